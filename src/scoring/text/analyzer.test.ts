import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAnalyzer, defaultAnalyzer, MAX_WORD_LENGTH } from './analyzer.js';

const terms = (text: string): string[] => defaultAnalyzer.terms(text);

describe('analyzer', () => {
  it.each([
    { rule: 'words are whole: "decode" is not "code"', text: 'decode the stream', want: ['decod', 'stream'] },
    {
      rule: 'case folds and stems: checks/checking/checked meet',
      text: 'Checks checking CHECKED',
      want: ['check', 'check', 'check'],
    },
    { rule: 'stop words are dropped', text: 'the bug in the code', want: ['bug', 'code'] },
    {
      rule: 'hyphenated tags give parts and the whole',
      text: 'fact-checking',
      want: ['fact', 'check', 'fact-check'],
    },
    { rule: 'slashed tags give parts and the whole', text: 'CI/CD', want: ['ci', 'cd', 'ci/cd'] },
    { rule: 'camelCase names give parts and the whole', text: 'JobTool', want: ['job', 'tool', 'jobtool'] },
    { rule: 'C++ and C# stay terms of their own', text: 'C++ or C#', want: ['c++', 'c#'] },
    { rule: "possessives lose their 's", text: "the agent's log", want: ['agent', 'log'] },
    { rule: 'negated auxiliaries carry no topic', text: "don't deploy", want: ['deploy'] },
    { rule: 'NFKC: full-width letters are plain letters', text: 'ＴＥＳＴ', want: ['test'] },
    { rule: 'other scripts are kept, unstemmed', text: 'naïve 東京 café', want: ['naïve', '東京', 'café'] },
    { rule: 'numbers are terms', text: 'error 404 on port 8080', want: ['error', '404', 'port', '8080'] },
    { rule: 'punctuation separates words', text: 'deploy,docker;now', want: ['deploy', 'docker'] },
  ])('$rule', ({ text, want }) => {
    expect(terms(text)).toEqual(want);
  });

  it('keeps stop words on request, and knows their stems', () => {
    expect(defaultAnalyzer.termsWithStopWords('What is your name?')).toEqual(['what', 'is', 'your', 'name']);
    expect(defaultAnalyzer.terms('What is your name?')).toEqual(['name']);
    expect(defaultAnalyzer.isStopTerm('your')).toBe(true);
    expect(defaultAnalyzer.isStopTerm('name')).toBe(false);
  });

  it('takes a custom stop-word list', () => {
    const analyzer = createAnalyzer({ stopWords: ['please'] });
    expect(analyzer.terms('please fix the bug')).toEqual(['fix', 'the', 'bug']);
  });

  it('is deterministic and never yields an empty term, for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const once = terms(text);
        expect(terms(text)).toEqual(once);
        for (const term of once) expect(term.length).toBeGreaterThan(0);
      }),
    );
  });

  describe(`bounds every word at MAX_WORD_LENGTH (${MAX_WORD_LENGTH}) characters before stemming`, () => {
    const letters = (length: number) =>
      fc.string({
        unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'),
        minLength: length,
        maxLength: length + 400,
      });

    it('analyses a word as its first MAX_WORD_LENGTH characters, however long it is', () => {
      fc.assert(
        fc.property(letters(MAX_WORD_LENGTH + 1), (word) => {
          expect(terms(word)).toEqual(terms(word.slice(0, MAX_WORD_LENGTH)));
        }),
      );
    });

    it('a 100,000-letter word gives one term: the stem of its first 48 letters', () => {
      const word = 'ab'.repeat(50_000);
      expect(terms(`fix ${word} now`)).toEqual(['fix', ...terms(word.slice(0, MAX_WORD_LENGTH))]);
      expect(terms(word)[0]).toHaveLength(MAX_WORD_LENGTH);
    });

    it('no term is longer, compounds and camelCase runs included, for any text', () => {
      const word = fc.oneof(letters(1), fc.string({ maxLength: 120 }));
      const text = fc
        .array(word, { maxLength: 8 })
        .chain((words) => fc.constantFrom('-', '/', ' ', '').map((joiner) => words.join(joiner)));
      fc.assert(
        fc.property(text, (t) => {
          for (const term of [...terms(t), ...defaultAnalyzer.termsWithStopWords(t)]) {
            expect(term.length).toBeLessThanOrEqual(MAX_WORD_LENGTH);
          }
        }),
      );
      const compound = Array.from({ length: 30_000 }, () => 'fact').join('-');
      const analysed = terms(compound);
      expect(analysed).toHaveLength(30_001); // each part, then the whole, cut
      expect(analysed.at(-1)).toBe(compound.slice(0, MAX_WORD_LENGTH));
    });

    it('never cuts a surrogate pair in two', () => {
      const WELL_FORMED = /^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;
      const word = `${'a'.repeat(MAX_WORD_LENGTH - 1)}𠀀𠀀𠀀`; // U+20000, two code units each
      expect(terms(word)).toEqual(terms('a'.repeat(MAX_WORD_LENGTH - 1)));
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', minLength: 40, maxLength: 200 }), (text) => {
          for (const term of terms(text.replace(/\s/g, ''))) expect(term).toMatch(WELL_FORMED);
        }),
      );
    });
  });
});
