import fc from 'fast-check';
import { parse as parseUuid } from 'uuid';
import { describe, expect, it } from 'vitest';
import { newDecisionId } from '../kernel/ids.js';
import { decodeCapability, decodeUuid, encodeCapability, encodeUuid } from './record-rows.js';

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

describe('capability blobs', () => {
  const scores = fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })), {
    maxLength: 40,
  });

  it('read back exactly what was written, with the number of agents scored', () => {
    fc.assert(
      fc.property(scores, fc.nat(1000), (values, extra) => {
        const rosterSize = values.length + extra;
        const decoded = decodeCapability(encodeCapability(values, rosterSize), values.length);
        expect(decoded.scores).toEqual(values.map((v) => (Object.is(v, -0) ? 0 : v)));
        expect(decoded.rosterSize).toBe(rosterSize);
      }),
    );
  });

  it('read anything but the written form as a count of NaN, whose hash no record has', () => {
    const written = encodeCapability([0, 0.5, 0.25], 3); // two pairs, no trailer
    const pair = (position: number, score: number) => {
      const bytes = Buffer.alloc(12);
      bytes.writeUInt32LE(position, 0);
      bytes.writeDoubleLE(score, 4);
      return bytes;
    };
    const trailer = (n: number) => {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32LE(n, 0);
      return bytes;
    };
    const tampered = [
      Buffer.concat([written, Buffer.from([0xab])]), // junk after the pairs
      Buffer.concat([written, Buffer.from([1, 2, 3])]),
      Buffer.concat([pair(0, 0), written]), // an explicit zero score
      Buffer.concat([written, pair(7, 0.5)]), // a position past the kept agents
      Buffer.concat([pair(2, 0.25), pair(1, 0.5)]), // out of order
      Buffer.concat([written, trailer(3)]), // a trailer that is the kept count
      Buffer.concat([written, trailer(2)]),
      `${written.toString('latin1')}\u00ab`, // text where a blob was
    ];
    for (const stored of tampered) expect(decodeCapability(stored, 3).rosterSize).toBeNaN();
    expect(decodeCapability(written, 3)).toEqual({ scores: [0, 0.5, 0.25], rosterSize: 3 });
  });
});
