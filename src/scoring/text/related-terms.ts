import type { Analyzer } from './analyzer.js';
import { BUILTIN_RELATED_TERMS } from './builtin-related-terms.js';

/** A related-terms table as users write it: tag → words that a task about that tag tends to use. */
export type RelatedTermsTable = Readonly<Record<string, readonly string[]>>;

/**
 * The related-terms table, compiled to terms: a capability or keyword tag finds its related terms
 * through its analyzed form, so "Coding", "coding" and "coded" all reach the `coding` entry.
 * Lookups follow one level of indirection (a related word that is itself a key brings its own
 * words), which lets short entries such as `programming: ["coding"]` reuse a long one.
 */
export class RelatedTerms {
  readonly #byKey = new Map<string, readonly string[]>();
  readonly #analyzer: Analyzer;

  constructor(table: RelatedTermsTable, analyzer: Analyzer) {
    this.#analyzer = analyzer;
    const direct = new Map<string, string[]>();
    for (const [tag, words] of Object.entries(table)) {
      const key = this.#keyOf(tag);
      if (key === '') continue;
      const list = direct.get(key) ?? [];
      for (const word of words) list.push(...analyzer.terms(word));
      direct.set(key, list);
    }
    for (const [key, terms] of direct) {
      const all = new Set<string>();
      for (const term of terms) {
        all.add(term);
        for (const indirect of direct.get(term) ?? []) all.add(indirect);
      }
      all.delete(key);
      this.#byKey.set(key, [...all]);
    }
  }

  /** The terms related to a tag (none for a tag the table does not know), each once. */
  relatedTo(tag: string): readonly string[] {
    return this.#byKey.get(this.#keyOf(tag)) ?? [];
  }

  /**
   * A tag's key: for each space-separated word, its last term (a compound such as "fact-checking"
   * analyzes to its parts, then the joined whole, which is what we want), joined by spaces.
   */
  #keyOf(tag: string): string {
    const keys: string[] = [];
    for (const word of tag.trim().split(/\s+/)) {
      const terms = this.#analyzer.terms(word);
      if (terms.length > 0) keys.push(terms[terms.length - 1] as string);
    }
    return keys.join(' ');
  }
}

/**
 * The built-in table, optionally with a user's table: by default the user's entries are added to the
 * built-in ones (same tag: words appended); with `replace`, the user's table is used alone.
 */
export function mergeRelatedTerms(user: RelatedTermsTable | undefined, replace = false): RelatedTermsTable {
  if (user === undefined) return BUILTIN_RELATED_TERMS;
  if (replace) return user;
  const merged: Record<string, readonly string[]> = { ...BUILTIN_RELATED_TERMS };
  for (const [tag, words] of Object.entries(user)) merged[tag] = [...(merged[tag] ?? []), ...words];
  return merged;
}
