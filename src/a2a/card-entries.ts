import { RouterError } from '../kernel/errors.js';
import type { AgentManifest } from '../manifest/manifest.js';
import type { CardReader } from '../service/card-agents.js';
import { agentIdOfCardName, type CardRegistration } from '../wire/card-dto.js';
import { type ReadAgentCard, readAgentCard } from './agent-card.js';
import { fetchAgentCard } from './card-fetcher.js';
import { manifestsOfCard } from './card-manifests.js';

/** An A2A agent's registration, read: its id in the swarm and the entries of its skills. */
export interface CardEntries {
  readonly agentId: string;
  readonly manifests: AgentManifest[];
}

/**
 * Reads a `POST /v1/agents` card registration: the card fetched from `agent_card_url` or given as
 * `agent_card` (one of the two), checked, and mapped to its entries.
 */
export async function readCardRegistration(body: CardRegistration): Promise<CardEntries> {
  const hasUrl = body.agent_card_url !== undefined;
  if (hasUrl === (body.agent_card !== undefined)) {
    throw new RouterError('invalid_request', 'body: give agent_card_url or agent_card, not both', {
      details: { where: 'body', field: hasUrl ? 'agent_card' : 'agent_card_url' },
    });
  }
  let card: ReadAgentCard;
  let cardUrl: string | undefined;
  if (body.agent_card_url !== undefined) {
    ({ card, cardUrl } = await fetchAgentCard(body.agent_card_url, 'agent_card_url'));
  } else {
    card = readAgentCard(body.agent_card, 'agent_card');
  }
  const agentId = body.agent_id ?? agentIdOfCardName(card.name);
  const where = cardUrl === undefined ? 'agent_card' : `agent_card_url (${cardUrl})`;
  return {
    agentId,
    manifests: manifestsOfCard(agentId, card, {
      where,
      ...(cardUrl === undefined ? {} : { cardUrl }),
      ...(body.rate_sats === undefined ? {} : { defaultRateSats: body.rate_sats }),
    }),
  };
}

/** How the service reads a registered agent's card again (service/card-agents.ts). */
export const readCardAgain: CardReader = async (agentId, url, rateSats) => {
  const { card, cardUrl } = await fetchAgentCard(url, `the card of '${agentId}'`);
  return manifestsOfCard(agentId, card, { where: cardUrl, cardUrl, defaultRateSats: rateSats });
};
