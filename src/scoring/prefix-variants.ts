/**
 * A task word that no manifest holds may still be a form of one that does: "define" and "definition"
 * stem to "defin" and "definit". For such a word, the closest vocabulary term of which it is a prefix
 * (the shortest), or else the longest vocabulary term that is a prefix of it, both at least
 * MIN_LENGTH letters, stands in for it (the default scorer counts it at half weight).
 * Lookups are cached; the cache is dropped when it grows past CACHE_LIMIT entries.
 */
const MIN_LENGTH = 4;
const CACHE_LIMIT = 100_000;

export class PrefixVariants {
  readonly #vocabulary: readonly string[];
  readonly #known: { has(term: string): boolean };
  readonly #cache = new Map<string, string | null>();

  /**
   * `sortedWith`: the vocabulary is already sorted in code unit order and this answers whether a term
   * is in it (a roster index sorts its vocabulary in pieces, sort-in-steps.ts, and has a map of its
   * terms already); otherwise the vocabulary is sorted here.
   */
  constructor(vocabulary: Iterable<string>, sortedWith?: { has(term: string): boolean }) {
    if (sortedWith === undefined) {
      const sorted = [...vocabulary].sort();
      this.#vocabulary = sorted;
      this.#known = new Set(sorted);
    } else {
      this.#vocabulary = Array.isArray(vocabulary) ? vocabulary : [...vocabulary];
      this.#known = sortedWith;
    }
  }

  /** The vocabulary term standing in for `term`, or undefined. Only plain a–z terms have variants. */
  of(term: string): string | undefined {
    let found = this.#cache.get(term);
    if (found === undefined) {
      found = this.#find(term) ?? null;
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(term, found);
    }
    return found ?? undefined;
  }

  #find(term: string): string | undefined {
    if (term.length < MIN_LENGTH || /[^a-z]/.test(term)) return undefined;
    const vocabulary = this.#vocabulary;
    // Longer terms starting with this one sit right after where it would be inserted.
    let lo = 0;
    let hi = vocabulary.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((vocabulary[mid] as string) < term) lo = mid + 1;
      else hi = mid;
    }
    let best: string | undefined;
    for (let k = lo; k < vocabulary.length && (vocabulary[k] as string).startsWith(term); k++) {
      const candidate = vocabulary[k] as string;
      if (candidate !== term && (best === undefined || candidate.length < best.length)) best = candidate;
    }
    for (let length = term.length - 1; best === undefined && length >= MIN_LENGTH; length--) {
      if (this.#known.has(term.slice(0, length))) best = term.slice(0, length);
    }
    return best;
  }
}
