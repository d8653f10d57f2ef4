import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageScheduler } from './page-scheduler.js';

describe('PageScheduler', () => {
  it('grants pages round-robin, at most pagesPerTurn in a turn of the event loop, none synchronously', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 }),
        async (pagesPerTurn, pagesWanted) => {
          const scheduler = new PageScheduler(pagesPerTurn);
          // A probe counts turns of the event loop: grants between two of its ticks share a turn.
          let turn = 0;
          let probing = true;
          const tick = (): void => {
            turn++;
            if (probing) setImmediate(tick);
          };
          setImmediate(tick);
          const grants: { stream: number; turn: number }[] = [];
          let synchronous = true;
          const streams = pagesWanted.map(async (pages, stream) => {
            for (let page = 0; page < pages; page++) {
              await scheduler.nextPage();
              expect(synchronous).toBe(false);
              grants.push({ stream, turn });
            }
          });
          synchronous = false;
          await Promise.all(streams);
          probing = false;

          const perTurn = new Map<number, number>();
          for (const g of grants) perTurn.set(g.turn, (perTurn.get(g.turn) ?? 0) + 1);
          expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(pagesPerTurn);
          // Round-robin: each round serves, in order, every stream that still wants a page.
          const expected: number[] = [];
          for (let round = 0; round < Math.max(...pagesWanted); round++) {
            pagesWanted.forEach((pages, stream) => {
              if (round < pages) expected.push(stream);
            });
          }
          expect(grants.map((g) => g.stream)).toEqual(expected);
        },
      ),
      { numRuns: 50 },
    );
  });
});
