import { describe, expect, it } from 'vitest';
import { StatementBatcher } from './statement-batcher.js';

/** A batcher whose store records each batch and answers every item with its double. */
function recording(options: { maxBatch?: number; keyOf?: (item: number) => string } = {}) {
  const batches: number[][] = [];
  const batcher = new StatementBatcher<number, number>({
    maxBatch: options.maxBatch ?? 100,
    ...(options.keyOf === undefined ? {} : { keyOf: options.keyOf }),
    store: async (batch) => {
      batches.push([...batch]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return batch.map((n) => n * 2);
    },
  });
  return { batcher, batches };
}

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
    await new Promise((resolve) => setImmediate(resolve)); // the first batch is on its way
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
});
