import { describe, expect, it } from 'vitest';
import { defaultAnalyzer } from './analyzer.js';
import { BUILTIN_RELATED_TERMS } from './builtin-related-terms.js';
import { mergeRelatedTerms, RelatedTerms } from './related-terms.js';

describe('related terms', () => {
  const builtin = new RelatedTerms(BUILTIN_RELATED_TERMS, defaultAnalyzer);

  it('relates the capability "coding" to "code", "function" and "bug", on stems', () => {
    // "code" is the tag's own stem, so the tag itself already matches it.
    expect(defaultAnalyzer.terms('coding')).toEqual(defaultAnalyzer.terms('code'));
    const related = builtin.relatedTo('coding');
    for (const word of ['function', 'bug', 'implement', 'compiler']) {
      expect(related).toContain(defaultAnalyzer.terms(word)[0]);
    }
  });

  it('finds a tag whatever its case or inflection', () => {
    expect(builtin.relatedTo('Coding')).toEqual(builtin.relatedTo('coding'));
    expect(builtin.relatedTo('coded')).toEqual(builtin.relatedTo('coding'));
  });

  it('follows one level of indirection: programming → coding → its words', () => {
    expect(builtin.relatedTo('programming')).toContain('function');
  });

  it('knows nothing about an unknown tag', () => {
    expect(builtin.relatedTo('basket weaving')).toEqual([]);
  });

  it('matches multi-word and compound tags as a whole', () => {
    const table = new RelatedTerms(
      { 'data analysis': ['pandas'], 'fact-checking': ['hoax'] },
      defaultAnalyzer,
    );
    expect(table.relatedTo('Data Analysis')).toEqual(['panda']);
    expect(table.relatedTo('data')).toEqual([]);
    expect(table.relatedTo('fact-checking')).toEqual(['hoax']);
  });

  it("adds a user's table to the built-in one, or replaces it", () => {
    const added = new RelatedTerms(mergeRelatedTerms({ coding: ['segfault'] }), defaultAnalyzer);
    expect(added.relatedTo('coding')).toContain('segfault');
    expect(added.relatedTo('coding')).toContain('bug');
    const replaced = new RelatedTerms(mergeRelatedTerms({ coding: ['segfault'] }, true), defaultAnalyzer);
    expect(replaced.relatedTo('coding')).toEqual(['segfault']);
    expect(replaced.relatedTo('security')).toEqual([]);
  });
});
