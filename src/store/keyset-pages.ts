/**
 * Rows read page by page in key order: `read(after)` gives the page after the key `after` (undefined:
 * from the start), `keyOf` the key of a row. Memory stays one page however many rows there are.
 */
export async function* keysetPages<T, K>(
  read: (after: K | undefined) => readonly T[] | Promise<readonly T[]>,
  keyOf: (row: T) => K,
): AsyncIterable<T> {
  let after: K | undefined;
  for (;;) {
    const page = await read(after);
    if (page.length === 0) return;
    yield* page;
    after = keyOf(page.at(-1) as T);
  }
}
