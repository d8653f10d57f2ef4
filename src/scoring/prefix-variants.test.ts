import { describe, expect, it } from 'vitest';
import { PrefixVariants } from './prefix-variants.js';

describe('prefix variants', () => {
  const variants = new PrefixVariants(['definit', 'definitely', 'translat', 'weather', 'cod']);

  it.each([
    ['a shorter form finds the closest longer term', 'defin', 'definit'],
    ['a longer form finds the longest term it starts with', 'translation', 'translat'],
    ['nothing shares a prefix', 'zebra', undefined],
    ['too short to trust (under 4 letters)', 'def', undefined],
    ['a vocabulary term of under 4 letters is never a variant', 'code', undefined],
    ['only plain a-z terms have variants', 'c++', undefined],
  ])('%s: %s → %s', (_rule, term, want) => {
    expect(variants.of(term)).toBe(want);
    expect(variants.of(term)).toBe(want); // cached answer is the same
  });
});
