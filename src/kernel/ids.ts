import { randomFillSync } from 'node:crypto';

/**
 * Decision and task ids are UUIDv7 (RFC 9562): unique across instances without coordination, and
 * they sort by creation time, which keeps them readable in logs. The sequence number, not the id,
 * orders the audit log.
 *
 * Generated here rather than with the `uuid` package because ids are made on the routing hot path:
 * its per-id random fill and byte-by-byte formatting took 43%, then 7%, of scoring-only time (bench
 * score-personas). This follows RFC 9562 §6.2 method 1: the 12-bit `rand_a` field is a counter that
 * restarts from a random value each millisecond and carries into the timestamp when it overflows, so
 * ids from one process strictly increase; the 62-bit `rand_b` is fresh randomness from a pooled buffer.
 */
const POOL_BYTES = 8192;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** Two hex digits for every byte value: cheaper than Buffer#toString('hex') on a few bytes. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

let lastMs = -1;
let counter = 0;
let prefixMs = -1;
let prefix = '';

function randomBytes(count: number): Buffer {
  if (poolOffset + count > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + count);
  poolOffset += count;
  return bytes;
}

export function newUuidV7(nowMs: number): string {
  let ms = Math.max(nowMs, lastMs);
  if (ms > lastMs) {
    counter = randomBytes(2).readUInt16BE(0) & 0x7ff; // leave headroom before overflow
  } else if (++counter > 0xfff) {
    ms++;
    counter = 0;
  }
  lastMs = ms;
  if (ms !== prefixMs) {
    const hex = ms.toString(16).padStart(12, '0');
    prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
    prefixMs = ms;
  }
  if (poolOffset + 8 > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const o = poolOffset;
  poolOffset += 8;
  const hex = (i: number): string => HEX[pool[o + i] as number] as string;
  // rand_b: variant bits 10, then 62 random bits.
  const variant = HEX[((pool[o] as number) & 0x3f) | 0x80] as string;
  return `${prefix}${HEX[counter >> 8]?.[1]}${HEX[counter & 0xff]}-${variant}${hex(1)}-${hex(2)}${hex(3)}${hex(4)}${hex(5)}${hex(6)}${hex(7)}`;
}

export function newDecisionId(nowMs: number): string {
  return newUuidV7(nowMs);
}

/** Task ids for tasks routed without one (the CLI's single `route`). */
export function newTaskId(nowMs: number): string {
  return `task-${newUuidV7(nowMs)}`;
}
