import type { Persona } from './personas.js';

/** Highest bid a simulated persona makes, in sats. */
export const MAX_PERSONA_BID_SATS = 200;

/**
 * The personas' bid strategy (../shared/personas.json): eager when one of its keywords appears in the
 * task — `bid_base` minus a random jitter up to `bid_jitter` — otherwise reluctant — `bid_base × 1.8`
 * plus jitter — capped at 200 sats. `random` returns [0, 1); pass a seeded one for repeatable demos.
 */
export function personaBid(persona: Persona, description: string, random: () => number): number {
  const text = description.toLowerCase();
  const jitter = Math.floor(random() * (persona.bidJitter + 1));
  const eager = persona.keywords.some((k) => text.includes(k.toLowerCase()));
  const bid = eager ? persona.bidBase - jitter : Math.round(persona.bidBase * 1.8) + jitter;
  return Math.max(0, Math.min(MAX_PERSONA_BID_SATS, bid));
}

export { seededRandom } from '../kernel/seeded-random.js';
