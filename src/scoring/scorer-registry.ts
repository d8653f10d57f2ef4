import { RouterError } from '../kernel/errors.js';
import { createClassicScorer } from './classic-scorer.js';
import type { Scorer } from './scorer.js';

/**
 * Scorers by name. `default` is the name users get when they choose nothing; until the default scorer
 * of the routing-quality issue lands it is the classic scorer, so there is exactly one scoring rule.
 */
const FACTORIES: ReadonlyMap<string, () => Scorer> = new Map([['classic', createClassicScorer]]);

export const DEFAULT_SCORER = 'classic';

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
