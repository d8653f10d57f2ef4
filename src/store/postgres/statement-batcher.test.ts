import { describe, expect, it } from 'vitest';
import { BUSY_FOR_MS, StatementBatcher } from './statement-batcher.js';

/** A batcher whose store records each batch and answers every item with its double. */
function recording(
  options: {
    maxBatch?: number;
    keyOf?: (item: number) => string;
    lingerMs?: number;
    lingersFor?: (item: number) => boolean;
  } = {},
) {
  const batches: number[][] = [];
  const batcher = new StatementBatcher<number, number>({
    maxBatch: options.maxBatch ?? 100,
    ...(options.keyOf === undefined ? {} : { keyOf: options.keyOf }),
    ...(options.lingerMs === undefined ? {} : { lingerMs: options.lingerMs }),
    ...(options.lingersFor === undefined ? {} : { lingersFor: options.lingersFor }),
    store: async (batch) => {
      batches.push([...batch]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return batch.map((n) => n * 2);
    },
  });
  return { batcher, batches };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Lets the batcher form the batch of what was submitted so far (it does so at the end of the turn). */
const batchOnItsWay = () => new Promise((resolve) => setImmediate(resolve));

describe('StatementBatcher', () => {
  it('stores the items submitted in one turn of the event loop as one batch, answering each', async () => {
    const { batcher, batches } = recording();
    const answers = await Promise.all([1, 2, 3].map((n) => batcher.submit(n)));
    expect(answers).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('gathers what arrives in later turns, while a batch is stored, into the next batch', async () => {
    const { batcher, batches } = recording();
    const first = batcher.submit(1);
    await batchOnItsWay(); // the first batch is on its way
    const later = [2, 3].map((n) => batcher.submit(n));
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('keeps at most maxBatch items per batch, in arrival order', async () => {
    const { batcher, batches } = recording({ maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('puts a second item with the same key into the next batch', async () => {
    const { batcher, batches } = recording({ keyOf: (n) => String(n % 10) });
    await Promise.all([1, 11, 2, 21].map((n) => batcher.submit(n)));
    expect(batches).toEqual([[1, 2], [11], [21]]);
  });

  it('fails only the item whose input the store refuses, when told it is an item fault', async () => {
    const refused = new Error('text the database cannot hold');
    const batches: number[][] = [];
    const batcher = new StatementBatcher<number, number>({
      maxBatch: 100,
      isItemFault: (error) => error === refused,
      store: async (batch) => {
        batches.push([...batch]);
        if (batch.includes(13)) throw refused;
        return batch.map((n) => n * 2);
      },
    });
    const results = await Promise.allSettled([12, 13, 14].map((n) => batcher.submit(n)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 24 },
      { status: 'rejected', reason: refused },
      { status: 'fulfilled', value: 28 },
    ]);
    expect(batches).toEqual([[12, 13, 14], [12], [13], [14]]);
  });

  it('fails the whole batch for an error that is not one item’s, and goes on with the next', async () => {
    const down = new Error('the database is unreachable');
    let calls = 0;
    const batcher = new StatementBatcher<number, number>({
      maxBatch: 100,
      isItemFault: () => false,
      store: async (batch) => {
        calls++;
        if (calls === 1) throw down;
        return batch.map((n) => n * 2);
      },
    });
    const results = await Promise.allSettled([1, 2].map((n) => batcher.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.submit(3)).resolves.toBe(6);
  });

  describe('lingerMs', () => {
    // Far longer than the gaps between submits below, so that lingering or not decides the batches.
    const lingerMs = 300;

    it('after a batch of two or more, gathers what arrives within lingerMs into the next batch', async () => {
      const { batcher, batches } = recording({ lingerMs });
      const firstTwo = [1, 2].map((n) => batcher.submit(n));
      await batchOnItsWay(); // [1, 2] is on its way
      const third = batcher.submit(3);
      await pause(40); // [1, 2] is stored; the batcher lingers
      const fourth = batcher.submit(4);
      await Promise.all([...firstTwo, third, fourth]);
      expect(batches).toEqual([
        [1, 2],
        [3, 4],
      ]);
    });

    it('does not linger after a batch of one', async () => {
      const { batcher, batches } = recording({ lingerMs });
      const first = batcher.submit(1);
      await batchOnItsWay();
      const second = batcher.submit(2); // waits for [1], then goes alone
      await pause(40);
      const third = batcher.submit(3);
      await Promise.all([first, second, third]);
      expect(batches).toEqual([[1], [2], [3]]);
    });

    it('lingers after a short pause too, but not once a batch of two or more is BUSY_FOR_MS old', async () => {
      const { batcher, batches } = recording({ lingerMs });
      await Promise.all([1, 2].map((n) => batcher.submit(n)));
      await pause(20); // nothing queued: the batcher stops, still busy
      const soon = [3, 4].map((n, i) => pause(40 * i).then(() => batcher.submit(n)));
      await Promise.all(soon);
      await pause(BUSY_FOR_MS + 50); // idle: no longer busy
      const late = [5, 6].map((n, i) => pause(40 * i).then(() => batcher.submit(n)));
      await Promise.all(late);
      expect(batches).toEqual([[1, 2], [3, 4], [5], [6]]);
    });

    it('does not linger for a queue of items that lingersFor refuses', async () => {
      // 100 and up: a caller that submitted its whole batch at once.
      const { batcher, batches } = recording({ lingerMs, lingersFor: (n) => n < 100 });
      const first = [1, 2].map((n) => batcher.submit(n));
      await batchOnItsWay(); // [1, 2] is on its way: busy
      const swept = [101, 102].map((n) => batcher.submit(n));
      await pause(40);
      const late = batcher.submit(3);
      await Promise.all([...first, ...swept, late]);
      expect(batches).toEqual([[1, 2], [101, 102], [3]]);
    });
  });
});
