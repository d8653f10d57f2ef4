import { describe, expect, it } from 'vitest';
import { bm25Index, tokens } from '../../bench/bm25-baseline.js';

describe('BM25 baseline', () => {
  it('tokenises by lowercasing and splitting on what is not a letter or digit', () => {
    expect(tokens("Don't-STOP 2x, café!")).toEqual(['don', 't', 'stop', '2x', 'café']);
  });

  // Three documents of lengths 2, 3 and 1 (mean 2), k1 = 1.2, b = 0.75, worked by hand.
  const index = bm25Index(['cat sat', 'cat cat dog', 'bird']);

  it('scores a word by idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/mean))', () => {
    const idfCat = Math.log(1 + 1.5 / 2.5); // in 2 of 3 documents
    const idfDog = Math.log(1 + 2.5 / 1.5); // in 1 of 3
    const [short, long, other] = index.scores('cat');
    expect(short).toBeCloseTo(idfCat * (2.2 / (1 + 1.2)), 12); // len 2: norm 1.2
    expect(long).toBeCloseTo(idfCat * ((2 * 2.2) / (2 + 1.65)), 12); // len 3: norm 1.65
    expect(other).toBe(0);
    expect(index.scores('dog')[1]).toBeCloseTo(idfDog * (2.2 / (1 + 1.65)), 12);
    expect(index.scores('dog dog')[1]).toBeCloseTo(2 * idfDog * (2.2 / (1 + 1.65)), 12);
  });

  it('picks the highest score, the first document on a tie, and none when nothing matches', () => {
    expect(index.best('cat')).toBe(1);
    expect(index.best('sat cat')).toBe(0);
    expect(bm25Index(['a b', 'b a']).best('a')).toBe(0);
    expect(index.best('fish')).toBeUndefined();
    expect(index.best('')).toBeUndefined();
  });
});
