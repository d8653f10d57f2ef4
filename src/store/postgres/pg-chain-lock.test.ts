import { describe, expect, it } from 'vitest';
import { chainLockKey } from './pg-chain-lock.js';

describe('chainLockKey', () => {
  it('gives each schema its own exact integer key, fixed by its name', () => {
    const keys = ['public', 'tenant_a', 'tenant_b', 'bench_scale_1_independent_3_0'].map(chainLockKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(Number.isSafeInteger(key)).toBe(true);
    expect(chainLockKey('tenant_a')).toBe(keys[1]);
    expect(Math.floor((keys[0] as number) / 2 ** 32)).toBe(0x5343);
  });
});
