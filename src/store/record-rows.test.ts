import fc from 'fast-check';
import { parse as parseUuid } from 'uuid';
import { describe, expect, it } from 'vitest';
import { newDecisionId } from '../kernel/ids.js';
import {
  decodeBids,
  decodeCapability,
  decodeUuid,
  type EncodedBid,
  encodeBids,
  encodeCapability,
  encodeUuid,
} from './record-rows.js';

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

describe('bid blobs', () => {
  const bid = fc.record({
    agentKey: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    bidSats: fc.oneof(fc.nat(200), fc.maxSafeNat(), fc.double()),
    combined: fc.oneof(fc.constantFrom(0, -0, 0.5, 1), fc.double()),
    signals: fc.array(fc.oneof(fc.constantFrom(0, 0.5, 1, -1, 127, 128), fc.float(), fc.double()), {
      maxLength: 300,
    }),
    rejection: fc.oneof(
      fc.constant(null),
      fc.constantFrom('bids above max_bid_sats', 'is below the capability threshold 0.5'),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
    ),
  });

  it('read back every field bit for bit, whatever the numbers and texts', () => {
    fc.assert(
      fc.property(fc.array(bid, { maxLength: 30 }), (bids) => {
        const blob = encodeBids(
          bids,
          bids.map((b) => b.agentKey),
        );
        const decoded = decodeBids(blob);
        expect(decoded).toHaveLength(bids.length);
        for (const [i, original] of bids.entries()) {
          const read = decoded[i] as EncodedBid;
          expect(read.agentKey).toBe(original.agentKey);
          // toBe is Object.is: -0 stays -0 and NaN stays NaN.
          expect(read.bidSats).toBe(original.bidSats);
          expect(read.combined).toBe(original.combined);
          expect(read.signals).toHaveLength(original.signals.length);
          for (const [s, value] of original.signals.entries()) expect(read.signals[s]).toBe(value);
          expect(read.rejection).toBe(original.rejection);
        }
      }),
    );
  });

  it('still read the first form, which older logs hold', () => {
    const bids: EncodedBid[] = [
      { agentKey: 3, bidSats: 40, combined: 0.61, signals: [0.9, 1, 0.5], rejection: null },
      {
        agentKey: 7,
        bidSats: 120,
        combined: 0.2,
        signals: [0, 0, 0.5],
        rejection: 'bids above max_bid_sats',
      },
    ];
    const firstForm = Buffer.concat([
      Buffer.from([2, 0, 0, 0]),
      ...bids.map((b) => {
        const fixed = Buffer.alloc(21 + b.signals.length * 8 + 4);
        fixed.writeInt32LE(b.agentKey, 0);
        fixed.writeDoubleLE(b.bidSats, 4);
        fixed.writeDoubleLE(b.combined, 12);
        fixed.writeUInt8(b.signals.length, 20);
        for (const [i, v] of b.signals.entries()) fixed.writeDoubleLE(v, 21 + i * 8);
        fixed.writeInt32LE(
          b.rejection === null ? -1 : Buffer.byteLength(b.rejection),
          21 + b.signals.length * 8,
        );
        return b.rejection === null ? fixed : Buffer.concat([fixed, Buffer.from(b.rejection)]);
      }),
    ]);
    expect(decodeBids(firstForm)).toEqual(bids);
    expect(encodeBids(bids, [3, 7]).length).toBeLessThan(firstForm.length);
  });

  it('read an edited blob as no bids rather than fail, so verify can name its record', () => {
    const written = encodeBids(
      [{ bidSats: 40, combined: 0.5, signals: [0.25, 1], rejection: 'bids above max_bid_sats' }],
      [9],
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), (junk, cut) => {
        const edits: unknown[] = [
          Buffer.concat([written, Buffer.from(junk)]), // bytes after the last bid
          written.subarray(0, 4 + (cut % (written.length - 4))), // cut short
          Buffer.concat([written.subarray(0, 4), Buffer.from(junk)]), // anything after the marker
          Buffer.from([junk.length, 0, 0, 0, ...junk]), // the first form's count, then junk
          written.toString('latin1'), // text where a blob was
        ];
        for (const stored of edits) {
          const decoded = decodeBids(stored as Buffer);
          expect(Array.isArray(decoded)).toBe(true);
        }
        expect(decodeBids(written.subarray(0, written.length - 1))).toEqual([]);
      }),
    );
  });
});
