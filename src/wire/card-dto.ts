import { type Static, Type } from '@sinclair/typebox';
import { SourceIdSchema, slugOfName } from './source-id.js';

/**
 * `POST /v1/agents` with an A2A agent card: fetched from `agent_card_url` (the card's URL or the
 * agent's base URL) or given inline as `agent_card`. `agent_id` names the agent in this swarm (by
 * default from the card's name); its skills become entries `<agent_id>:<skill id>`. `rate_sats` is
 * its price when the card states none (a2a/agent-card.ts, the rate extension).
 */
export const CardRegistrationSchema = Type.Object(
  {
    agent_card_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2_000 })),
    agent_card: Type.Optional(Type.Object({})),
    agent_id: Type.Optional(SourceIdSchema),
    rate_sats: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);
export type CardRegistration = Static<typeof CardRegistrationSchema>;

/** The keys that say a registration is a card's. */
export const CARD_KEYS = ['agent_card_url', 'agent_card'];

/** An A2A agent id from a card's name: lower case, words joined by dashes ("Research Bot" → research-bot). */
export function agentIdOfCardName(name: string): string {
  return slugOfName(name, 'a2a-agent');
}
