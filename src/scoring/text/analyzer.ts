import { createRequire } from 'node:module';
import type * as stopword from 'stopword';
import type stemModule from 'wink-porter2-stemmer';

// Both libraries are CommonJS and required, not imported: importing a CommonJS file from ESM has
// Node scan its source for exports, and stopword's (every language's list) is large. They are also
// required on the first analyzer made rather than at load, since classic scoring never makes one:
// together a tenth of a second of the CLI's start-up.
const requireCjs = createRequire(import.meta.url);
let englishStopWords: readonly string[] | undefined;
let stem: typeof stemModule | undefined;

/**
 * Text analysis shared by everything that matches text (the default scorer, related terms, learned
 * evidence): the same text always gives the same terms, so a manifest word and a task word meet only
 * when their terms are equal.
 *
 * Steps, in order:
 * 1. Unicode NFKC (full-width letters, ligatures and compatibility forms become plain ones);
 * 2. words are runs of letters, marks and digits (`\p{L}\p{M}\p{N}`), so "decode" is one word and
 *    never "code"; an apostrophe inside a word ends it ("agent's" → "agent"), as do other marks;
 * 3. a camelCase or PascalCase word also yields its parts ("JobTool" → "jobtool", "job", "tool"),
 *    because tool and agent names are often written that way;
 * 4. words joined by `-` or `/` ("fact-checking", "CI/CD") yield each part and the joined whole, so the
 *    tag matches both "fact checking" and "fact-checking";
 * 5. case folding (`toLowerCase`), stop words dropped (English list of the `stopword` package),
 *    then the Porter2 stem (`wink-porter2-stemmer`): "checking", "checked" and "checks" are one term.
 * `+` and `#` stay part of a word that ends with them, so "C++" and "C#" are terms of their own.
 *
 * Cost: linear in the text's length. A word longer than MAX_WORD_LENGTH characters is cut to that
 * length before it is stemmed, and no term (a compound's joined whole included) is longer, because
 * the stemmer's cost grows with the square of a word's length (a 30,000-letter word took 7 s).
 */
export interface Analyzer {
  /** The terms of a text, in order of appearance, with repeats (term frequency matters to scoring). */
  terms(text: string): string[];
  /**
   * The same with stop words kept (stemmed like any word). Task-like text (examples, tasks with
   * outcomes) is matched on these too: in short requests such as "what is your name" the function
   * words are most of the meaning.
   */
  termsWithStopWords(text: string): string[];
  /** Whether a term is a stop word's stem. */
  isStopTerm(term: string): boolean;
}

export interface AnalyzerConfig {
  /** Words to drop (before stemming, lower case). Default: the English list of `stopword`. */
  readonly stopWords?: Iterable<string>;
}

/**
 * One word, or words joined by `-`, `/` (a compound); `+`/`#` may close a word ("c++", "c#"); an
 * apostrophe tail ("agent's", "don't") is matched so that it can be dropped (see `withoutTail`).
 */
const WORD_RUN = /[\p{L}\p{M}\p{N}]+[+#]*(?:['’]\p{L}+)?(?:[-/][\p{L}\p{M}\p{N}]+[+#]*(?:['’]\p{L}+)?)*/gu;
const APOSTROPHE = /['’]/;

/**
 * A word without its apostrophe tail: "agent's" → "agent", "we're" → "we"; a negated auxiliary
 * ("don't", "isn't") → "" because it says nothing about the topic and its stem ("don") is no word.
 */
function withoutTail(word: string): string {
  const at = word.search(APOSTROPHE);
  if (at < 0) return word;
  return /^['’]t$/i.test(word.slice(at)) ? '' : word.slice(0, at);
}
/** Lower-to-upper or letter-to-digit changes inside a word: where camelCase splits. */
const CAMEL_BOUNDARY = /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;
const HAS_INNER_UPPER = /\p{Ll}\p{Lu}|\p{Lu}\p{Lu}\p{Ll}/u;

/** Stems cached per word: stemming is most of the analysis cost and vocabularies repeat. */
const STEM_CACHE_LIMIT = 200_000;

/**
 * The longest word the analyzer stems, in UTF-16 code units: a longer word is cut to its first 48
 * (and then treated like any word, so two long tokens that share those 48 still match), and a
 * compound's joined whole is cut alike. English words fit (the longest in the quality data sets'
 * dev splits has 38 letters); what is cut is hashes, blobs and run-together text. Up to ~48 letters
 * the stemmer costs 0.3–0.5 µs a letter, flat; past 64 it climbs (128: 0.8 µs, 256: 1.4 µs,
 * 1,000: 15 µs a letter, so 15 ms a word).
 */
export const MAX_WORD_LENGTH = 48;

/** The first MAX_WORD_LENGTH code units of a word, never ending inside a surrogate pair. */
function bounded(word: string): string {
  if (word.length <= MAX_WORD_LENGTH) return word;
  const last = word.charCodeAt(MAX_WORD_LENGTH - 1);
  return word.slice(0, last >= 0xd800 && last <= 0xdbff ? MAX_WORD_LENGTH - 1 : MAX_WORD_LENGTH);
}

export function createAnalyzer(config: AnalyzerConfig = {}): Analyzer {
  englishStopWords ??= (requireCjs('stopword') as typeof stopword).eng;
  stem ??= requireCjs('wink-porter2-stemmer') as typeof stemModule;
  const stemWord = stem;
  const stopWords = new Set(
    [...(config.stopWords ?? englishStopWords)].map((w) => w.normalize('NFKC').toLowerCase()),
  );
  const stems = new Map<string, string>();
  const stemOf = (word: string): string => {
    let s = stems.get(word);
    if (s === undefined) {
      // The stemmer knows English letters only; other scripts and tokens with digits pass unchanged.
      s = /^[a-z]+$/.test(word) ? stemWord(word) : word;
      if (stems.size >= STEM_CACHE_LIMIT) stems.clear();
      stems.set(word, s);
    }
    return s;
  };
  const stopTerms = new Set([...stopWords].map((w) => stemOf(w)));
  // A single lower-case word → its term, or undefined when it is a stop word or too short to matter.
  const termOf = (word: string, keepStopWords: boolean): string | undefined => {
    const lowerWord = bounded(word);
    if (lowerWord.length < 2 && !/\p{N}|\p{Script=Han}/u.test(lowerWord)) return undefined;
    if (!keepStopWords && stopWords.has(lowerWord)) return undefined;
    return stemOf(lowerWord);
  };
  // One simple word (no joiner): its term, preceded by its camelCase parts' terms when it has some.
  const addWord = (rawWord: string, out: string[], keepStopWords: boolean): void => {
    const word = withoutTail(rawWord);
    if (word === '') return;
    if (HAS_INNER_UPPER.test(word)) {
      for (const part of word.split(CAMEL_BOUNDARY)) {
        const t = termOf(part.toLowerCase(), keepStopWords);
        if (t !== undefined) out.push(t);
      }
    }
    const t = termOf(word.toLowerCase(), keepStopWords);
    if (t !== undefined) out.push(t);
  };

  const analyze = (text: string, keepStopWords: boolean): string[] => {
    const out: string[] = [];
    for (const match of text.normalize('NFKC').matchAll(WORD_RUN)) {
      const run = match[0];
      if (!/[-/]/.test(run)) {
        addWord(run, out, keepStopWords);
        continue;
      }
      const parts = run.split(/[-/]/);
      const partTerms: string[] = [];
      for (const part of parts) {
        const before = out.length;
        addWord(part, out, keepStopWords);
        // The compound is built from the parts' own (last) terms, stop words included as words,
        // so "state-of-the-art" joins to one term even though "of" and "the" are dropped alone.
        partTerms.push(out.length > before ? (out[out.length - 1] as string) : part.toLowerCase());
      }
      out.push(bounded(partTerms.join(run.includes('/') ? '/' : '-')));
    }
    return out;
  };
  return {
    terms: (text) => analyze(text, false),
    termsWithStopWords: (text) => analyze(text, true),
    isStopTerm: (term) => stopTerms.has(term),
  };
}

let shared: Analyzer | undefined;
const sharedAnalyzer = (): Analyzer => {
  shared ??= createAnalyzer();
  return shared;
};

/**
 * The analyzer with the default configuration, shared: it holds only a stem cache. Made on first
 * use (its stop words are stemmed as it is made), so a router that never analyses text never pays.
 */
export const defaultAnalyzer: Analyzer = {
  terms: (text) => sharedAnalyzer().terms(text),
  termsWithStopWords: (text) => sharedAnalyzer().termsWithStopWords(text),
  isStopTerm: (term) => sharedAnalyzer().isStopTerm(term),
};
