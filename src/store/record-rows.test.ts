import { parse as parseUuid } from 'uuid';
import { describe, expect, it } from 'vitest';
import { newDecisionId } from '../kernel/ids.js';
import { decodeUuid, encodeUuid } from './record-rows.js';

describe('decision id bytes', () => {
  it('are the 16 bytes the uuid package parses, and decode back to the id', () => {
    const ids = [
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '0190F5B2-AAAA-7BBB-8CCC-1234567890AB',
      ...Array.from({ length: 200 }, (_, i) => newDecisionId(1_700_000_000_000 + i * 7919)),
    ];
    for (const id of ids) {
      const bytes = encodeUuid(id);
      expect([...bytes]).toEqual([...parseUuid(id)]);
      expect(decodeUuid(bytes)).toBe(id.toLowerCase());
    }
  });
});
