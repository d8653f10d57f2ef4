import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type StreamSlot, StreamSlots } from './stream-slots.js';

describe('StreamSlots', () => {
  it('gives a slot exactly when the client and the service are both under their caps', () => {
    // A random run of takes and releases (some released twice) against a model of the counts.
    const step = fc.oneof(
      fc.record({ take: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ release: fc.nat() }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(step, { maxLength: 60 }),
        (perClient, total, steps) => {
          const slots = new StreamSlots({ maxStreamsPerClient: perClient, maxStreams: total });
          const held: { client: number; slot: StreamSlot; released: boolean }[] = [];
          const openOf = (client?: number) =>
            held.filter((h) => !h.released && (client === undefined || h.client === client)).length;
          for (const s of steps) {
            if ('take' in s) {
              const result = slots.take(`client ${s.take}`);
              if (openOf(s.take) >= perClient) {
                expect(result).toEqual({
                  refused: expect.stringContaining(`holds ${perClient} event streams`),
                });
              } else if (openOf() >= total) {
                expect(result).toEqual({ refused: expect.stringContaining(`serves ${total} event streams`) });
              } else {
                expect('release' in result).toBe(true);
                held.push({ client: s.take, slot: result as StreamSlot, released: false });
              }
            } else if (held.length > 0) {
              const h = held[s.release % held.length] as (typeof held)[number];
              h.slot.release(); // a second release of the same slot must change nothing
              h.released = true;
            }
            expect(slots.open).toBe(openOf());
          }
        },
      ),
    );
  });
});
