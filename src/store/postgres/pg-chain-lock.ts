import { createHash } from 'node:crypto';

/**
 * The key of the advisory lock that orders appends to a schema's hash chain, held from reading the
 * head to commit so that every instance seals on the true predecessor. Advisory locks belong to the
 * database, not to a schema: with one key for all, deployments on different schemas of one database
 * (the benchmark's share-nothing control, the test files) waited for each other's decisions —
 * bench:scale counted 787 writes held up between two instances that share nothing. So the key is
 * 0x5343 ("SC", swarm-router chain) above 32 bits of the schema's hash: within JavaScript's exact
 * integers, and two schemas meet on one key only by a 1-in-2³² chance, which costs waits, not
 * correctness.
 */
export function chainLockKey(schema: string): number {
  const hash = createHash('sha256').update(`swarm-router chain\u0000${schema}`).digest().readUInt32BE(0);
  return 0x5343 * 2 ** 32 + hash;
}
