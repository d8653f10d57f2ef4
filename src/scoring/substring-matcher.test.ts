import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SubstringMatcher } from './substring-matcher.js';

/** The definition the matcher must agree with: which terms does `includes` find? */
const naive = (terms: readonly string[], text: string): number[] =>
  terms.flatMap((t, i) => (text.includes(t) ? [i] : [])).sort((a, b) => a - b);
const sorted = (found: readonly number[]): number[] => [...found].sort((a, b) => a - b);

// A small alphabet makes overlaps, shared prefixes and repeats common; the non-ASCII units are
// ones whose lower-casing is special (Kelvin sign → "k", "İ" → "i" + U+0307, final sigma).
const unit = fc.constantFrom('a', 'b', 'c', 'A', 'B', ' ', '-', 'k', 'K', '\u212a', 'i', 'İ', 'ß', 'Σ', 'σ');
const word = fc.string({ unit, minLength: 1, maxLength: 4 });

describe('SubstringMatcher', () => {
  it.each([
    { terms: ['code', 'decode', 'de'], text: 'please decode this', want: [0, 1, 2] },
    { terms: ['he', 'she', 'his', 'hers'], text: 'ushers', want: [0, 1, 3] },
    { terms: ['ci', 'cd'], text: 'ci/cd', want: [0, 1] },
    { terms: ['aa', 'aaa'], text: 'aa', want: [0] },
    { terms: ['x'], text: '', want: [] },
    { terms: [''], text: 'anything', want: [0] },
  ])('finds $want of $terms in "$text"', ({ terms, text, want }) => {
    expect(sorted(new SubstringMatcher(terms).findAll(text))).toEqual(want);
  });

  it('agrees with String.prototype.includes on any terms and text', () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 12 }), fc.string({ unit, maxLength: 40 }), (terms, text) => {
        const matcher = new SubstringMatcher(terms);
        // Twice: the matcher reuses its buffers between calls.
        return (
          JSON.stringify(sorted(matcher.findAll(text))) === JSON.stringify(naive(terms, text)) &&
          JSON.stringify(sorted(matcher.findAll(text))) === JSON.stringify(naive(terms, text))
        );
      }),
      { numRuns: 500 },
    );
  });

  it('ignoring case, agrees with includes on the lower-cased text, Unicode included', () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 12 }), fc.string({ unit, maxLength: 40 }), (rawTerms, text) => {
        const terms = rawTerms.map((t) => t.toLowerCase());
        const matcher = new SubstringMatcher(terms);
        return (
          JSON.stringify(sorted(matcher.findAllIgnoringCase(text))) ===
          JSON.stringify(naive(terms, text.toLowerCase()))
        );
      }),
      { numRuns: 500 },
    );
  });
});
