import { RouterError } from '../kernel/errors.js';
import { createClassicScorer } from './classic-scorer.js';
import { createDefaultScorer } from './default-scorer.js';
import type { WordVectors } from './embeddings/word-vectors.js';
import type { Scorer } from './scorer.js';
import { mergeRelatedTerms, type RelatedTermsTable } from './text/related-terms.js';

/**
 * Scorers by name. DEFAULT_SCORER is what users get when they choose nothing; `classic` reproduces
 * the seed decision for decision (and brings the classic policy with it, create-router.ts).
 */
const FACTORIES: ReadonlyMap<string, (wordVectors?: () => WordVectors | undefined) => Scorer> = new Map([
  ['classic', () => createClassicScorer()],
  [
    'default',
    (wordVectors?: () => WordVectors | undefined) =>
      createDefaultScorer(wordVectors === undefined ? {} : { wordVectors }),
  ],
]);

export const DEFAULT_SCORER = 'default';

export function scorerNames(): readonly string[] {
  return [...FACTORIES.keys()];
}

/** A user's related terms, for the default scorer: added to the built-in table, or replacing it. */
export interface RelatedTermsOption {
  readonly terms: RelatedTermsTable;
  readonly replaceBuiltin?: boolean;
}

/**
 * The scorer of that name. `wordVectors` gives the default scorer its semantic channel (the router
 * passes the shipped vectors; scoring does no I/O).
 */
export function createScorer(
  name: string = DEFAULT_SCORER,
  related?: RelatedTermsOption,
  wordVectors?: () => WordVectors | undefined,
): Scorer {
  if (related !== undefined) {
    if (name !== 'default') {
      throw new RouterError(
        'invalid_request',
        `related terms apply to the default scorer only, not to '${name}' (the classic rules are fixed)`,
        { details: { scorer: name } },
      );
    }
    return createDefaultScorer({
      relatedTerms: mergeRelatedTerms(related.terms, related.replaceBuiltin ?? false),
      ...(wordVectors === undefined ? {} : { wordVectors }),
    });
  }
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
  return factory(wordVectors);
}
