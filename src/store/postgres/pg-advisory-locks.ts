import { createHash } from 'node:crypto';

/**
 * Advisory locks belong to the database, not to a schema: with one key for all, deployments on
 * different schemas of one database (the benchmark's share-nothing control, the test files) waited
 * for each other's decisions — bench:scale counted 787 writes held up between two instances that
 * share nothing. So each key is a 16-bit tag of its purpose above 32 bits of the schema's hash:
 * within JavaScript's exact integers, and two schemas meet on one key only by a 1-in-2³² chance,
 * which costs waits, not correctness.
 */
function schemaLockKey(tag: number, purpose: string, schema: string): number {
  const hash = createHash('sha256').update(`swarm-router ${purpose}\u0000${schema}`).digest().readUInt32BE(0);
  return tag * 2 ** 32 + hash;
}

/**
 * The key of the advisory lock that orders appends to a schema's hash chain, held from reading the
 * head to commit so that every instance seals on the true predecessor. Tag 0x5343, "SC" (chain).
 */
export function chainLockKey(schema: string): number {
  return schemaLockKey(0x5343, 'chain', schema);
}

/**
 * The key of the advisory lock that lets one transaction at a time fold a schema's agent counter
 * deltas into its counters and load deltas into its loads (pg-counters.ts). Tag 0x5346, "SF" (fold).
 */
export function foldLockKey(schema: string): number {
  return schemaLockKey(0x5346, 'fold', schema);
}

/**
 * The key of the session advisory lock that makes its holder the instance that sweeps a schema's due
 * tasks at their time (pg-sweep-lease.ts). Tag 0x5357, "SW" (sweep).
 */
export function sweepLockKey(schema: string): number {
  return schemaLockKey(0x5357, 'sweep', schema);
}

/**
 * The key of the advisory lock that lets one transaction at a time seal a schema's pending ledger
 * changes (pg-ledger.ts): the ledger's head is read and extended under it. Tag 0x534C, "SL" (ledger).
 */
export function sealLockKey(schema: string): number {
  return schemaLockKey(0x534c, 'ledger', schema);
}
