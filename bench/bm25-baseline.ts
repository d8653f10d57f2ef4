/**
 * The yardstick the quality probes compare the default scorer with: plain Okapi BM25 (k1 = 1.2,
 * b = 0.75), one document per agent, nothing the router adds (no field weights, related terms,
 * stemming, stop words or normalisation). Kept apart from src/scoring on purpose: a baseline that
 * shared the scorer's text analysis would move with it.
 *
 * idf is the non-negative form Lucene uses, ln(1 + (N − n + 0.5) / (n + 0.5)): the textbook
 * ln((N − n + 0.5) / (n + 0.5)) turns negative for a word in more than half the documents, and on
 * short queries ("i", "my", "what" are in most agents' examples) that would make matching a common
 * word count against an agent.
 */

export interface Bm25Parameters {
  readonly k1: number;
  readonly b: number;
}

export const OKAPI_PARAMETERS: Bm25Parameters = { k1: 1.2, b: 0.75 };

/** Lowercase, split on anything that is not a letter or a digit; no stemming, no stop list. */
export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t !== '');
}

export interface Bm25Index {
  /** Each document's score for the query, in document order. */
  scores(query: string): number[];
  /**
   * The index of the best document for the query, ties to the first; undefined when every document
   * scores 0 (nothing of the query is in any of them), which a probe counts as wrong.
   */
  best(query: string): number | undefined;
}

export function bm25Index(documents: readonly string[], parameters = OKAPI_PARAMETERS): Bm25Index {
  const { k1, b } = parameters;
  const frequencies = documents.map((document) => {
    const counts = new Map<string, number>();
    for (const t of tokens(document)) counts.set(t, (counts.get(t) ?? 0) + 1);
    return counts;
  });
  const lengths = documents.map((document) => tokens(document).length);
  const n = documents.length;
  const meanLength = n === 0 ? 0 : lengths.reduce((sum, l) => sum + l, 0) / n;
  const documentsWith = new Map<string, number>();
  for (const counts of frequencies)
    for (const t of counts.keys()) documentsWith.set(t, (documentsWith.get(t) ?? 0) + 1);
  const idf = (t: string): number => {
    const df = documentsWith.get(t) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  };

  const scores = (query: string): number[] => {
    // A word repeated in the query counts each time, as in the usual sum over query terms.
    const queryTokens = tokens(query).filter((t) => documentsWith.has(t));
    return frequencies.map((counts, d) => {
      const norm = k1 * (1 - b + (b * (lengths[d] as number)) / (meanLength || 1));
      let score = 0;
      for (const t of queryTokens) {
        const tf = counts.get(t) ?? 0;
        if (tf > 0) score += (idf(t) * tf * (k1 + 1)) / (tf + norm);
      }
      return score;
    });
  };

  return {
    scores,
    best(query) {
      let best: number | undefined;
      let bestScore = 0;
      for (const [d, score] of scores(query).entries()) {
        if (score > bestScore) {
          best = d;
          bestScore = score;
        }
      }
      return best;
    },
  };
}
