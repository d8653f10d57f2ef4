import { describe, expect, it } from 'vitest';
import { chainLockKey, foldLockKey, sealLockKey, sweepLockKey } from './pg-advisory-locks.js';

describe.each([
  { name: 'chainLockKey', key: chainLockKey, tag: 0x5343 },
  { name: 'foldLockKey', key: foldLockKey, tag: 0x5346 },
  { name: 'sweepLockKey', key: sweepLockKey, tag: 0x5357 },
  { name: 'sealLockKey', key: sealLockKey, tag: 0x534c },
])('$name', ({ key, tag }) => {
  it('gives each schema its own exact integer key, fixed by its name', () => {
    const keys = ['public', 'tenant_a', 'tenant_b', 'bench_scale_1_independent_3_0'].map(key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of keys) expect(Number.isSafeInteger(k)).toBe(true);
    expect(key('tenant_a')).toBe(keys[1]);
    expect(Math.floor((keys[0] as number) / 2 ** 32)).toBe(tag);
  });
});

it('keeps the chain keys every version has taken the chain lock by', () => {
  // Instances of an older version, still running during an upgrade, take the chain lock by these keys:
  // a new key would let two instances extend the chain at once.
  expect(chainLockKey('public')).toBe(91547277233340);
  expect(chainLockKey('tenant_a')).toBe(91550097844768);
});
