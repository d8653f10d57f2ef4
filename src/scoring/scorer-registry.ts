import { RouterError } from '../kernel/errors.js';
import { createClassicScorer } from './classic-scorer.js';
import { createDefaultScorer } from './default-scorer.js';
import type { Scorer } from './scorer.js';

/**
 * Scorers by name. DEFAULT_SCORER is what users get when they choose nothing; `classic` reproduces
 * the seed decision for decision (and brings the classic policy with it, create-router.ts).
 */
const FACTORIES: ReadonlyMap<string, () => Scorer> = new Map([
  ['classic', createClassicScorer],
  ['default', () => createDefaultScorer()],
]);

export const DEFAULT_SCORER = 'default';

export function scorerNames(): readonly string[] {
  return [...FACTORIES.keys()];
}

export function createScorer(name: string = DEFAULT_SCORER): Scorer {
  const factory = FACTORIES.get(name);
  if (factory === undefined) {
    throw new RouterError(
      'unknown_scorer',
      `unknown scorer '${name}' (known scorers: ${scorerNames().join(', ')})`,
      {
        details: { scorer: name, known: scorerNames() },
      },
    );
  }
  return factory();
}
