import { describe, expect, it } from 'vitest';
import { parseRateLimit } from './http-limits.js';

describe('rate limits as written in the environment', () => {
  it('reads a count per window, off, and nothing else', () => {
    expect(parseRateLimit('3000/10s')).toEqual({ max: 3000, windowMs: 10_000 });
    expect(parseRateLimit(' 50 / m ')).toEqual({ max: 50, windowMs: 60_000 });
    expect(parseRateLimit('5/250ms')).toEqual({ max: 5, windowMs: 250 });
    expect(parseRateLimit('1/2h')).toEqual({ max: 1, windowMs: 7_200_000 });
    expect(parseRateLimit('OFF')).toBeNull();
    for (const bad of ['', 'lots', '0/1s', '10/0s', '10', '10/s/s', '-1/1s', '1e3/1s', '10/1d']) {
      expect(parseRateLimit(bad), bad).toBeUndefined();
    }
  });
});
