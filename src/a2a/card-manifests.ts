import { RouterError } from '../kernel/errors.js';
import { type AgentManifest, MAX_AGENT_ID_LENGTH } from '../manifest/manifest.js';
import { ID_NORMAL_FORM } from '../wire/unicode-text.js';
import type { ReadAgentCard } from './agent-card.js';

/**
 * An A2A agent is routed skill by skill: each skill of its card is one entry of the roster, with the
 * skill's tags as capabilities, its examples as examples and its description, so the scorers, the
 * learning and the audit log work at skill level unchanged, and a decision's winner names both the
 * agent and the skill (`research-bot:summarize`). An entry's id is the agent's id, a colon and the
 * skill's id in NFC (skill ids carry no colon: agent-card.ts).
 */

export const SKILL_SEPARATOR = ':';

/** The rate of an agent whose card does not carry the rate extension, unless the caller sets one. */
export const DEFAULT_CARD_RATE_SATS = 50;

/**
 * In Unicode NFC, as every id (wire/unicode-text.ts): the API takes ids in that form only, so an
 * entry spelled as a card decomposes it could not be excluded, bid for or changed by name.
 */
export function skillEntryId(agentId: string, skillId: string): string {
  return `${agentId}${SKILL_SEPARATOR}${skillId.normalize(ID_NORMAL_FORM)}`;
}

/** The roster entries of a card, one per skill, in the card's order. */
export function manifestsOfCard(
  agentId: string,
  card: ReadAgentCard,
  options: { readonly defaultRateSats?: number; readonly cardUrl?: string; readonly where: string },
): AgentManifest[] {
  const rateSats = card.rate?.rateSats ?? options.defaultRateSats ?? DEFAULT_CARD_RATE_SATS;
  return card.skills.map((skill, i): AgentManifest => {
    const entryId = skillEntryId(agentId, skill.id);
    if ([...entryId].length > MAX_AGENT_ID_LENGTH) {
      throw new RouterError(
        'invalid_request',
        `${options.where}: skills[${i}].id '${skill.id}' makes the entry id '${entryId.slice(0, 60)}…' longer than ${MAX_AGENT_ID_LENGTH} characters`,
        { details: { where: options.where, field: `skills[${i}].id` } },
      );
    }
    const tags = nonBlank(skill.tags);
    const description = [skill.description, card.description].filter((t) => t.trim() !== '').join(' — ');
    return {
      agentId: entryId,
      agentName: `${card.name}: ${skill.name}`.slice(0, 200),
      // A skill without tags is still routable by its id, name, description and examples.
      capabilities: tags.length > 0 ? tags : [skill.id],
      keywords: [],
      rateSats,
      ...(description === '' ? {} : { description: description.slice(0, 10_000) }),
      ...(nonBlank(skill.examples).length === 0 ? {} : { examples: nonBlank(skill.examples) }),
      ...(card.rate?.maxConcurrency === undefined ? {} : { maxConcurrency: card.rate.maxConcurrency }),
      a2a: {
        agent: agentId,
        skill: skill.id,
        skillName: skill.name,
        ...(options.cardUrl === undefined ? {} : { cardUrl: options.cardUrl }),
        cardName: card.name,
        cardVersion: card.version,
        protocolVersion: card.protocolVersion,
        endpoints: card.endpoints,
        streaming: card.streaming,
      },
    };
  });
}

function nonBlank(texts: readonly string[]): string[] {
  return texts.map((t) => t.trim()).filter((t) => t !== '');
}
