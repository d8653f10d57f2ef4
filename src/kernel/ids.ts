import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/**
 * Decision ids are UUIDv7: unique across instances without coordination, and they sort by creation
 * time, which keeps them readable in logs. The sequence number, not the id, orders the audit log.
 *
 * Random bytes come from a pooled buffer refilled 4 KiB at a time: one randomFillSync call per id
 * took 43% of scoring-only time on the personas workload (bench `score-personas`).
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

function random16(): Uint8Array {
  if (offset + 16 > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + 16);
  offset += 16;
  return bytes;
}

export function newDecisionId(nowMs: number): string {
  return uuidv7({ msecs: nowMs, random: random16() });
}

/** Task ids for tasks routed without one (the CLI's single `route`). */
export function newTaskId(nowMs: number): string {
  return `task-${uuidv7({ msecs: nowMs, random: random16() })}`;
}
