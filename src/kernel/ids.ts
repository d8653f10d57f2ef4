import { randomBytes } from 'node:crypto';

/**
 * Decision and task ids are UUIDv7 (RFC 9562): unique across instances without coordination, and
 * they sort by creation time, which keeps them readable in logs. The sequence number, not the id,
 * orders the audit log.
 *
 * Generated here rather than with the `uuid` package because ids are made on the routing hot path,
 * where its per-id random fill and formatting took 43%, then 7%, of scoring-only time (bench
 * score-personas). Layout (RFC 9562 §6.2, method 1): the 48-bit millisecond timestamp; in `rand_a`
 * a 12-bit counter that restarts from a random value every millisecond and carries into the
 * timestamp when it overflows, so ids from one process strictly increase; in `rand_b` 62 random bits
 * drawn once per process, which keep ids from different processes apart. Ids are identifiers, not
 * secrets: nothing relies on them being unguessable.
 */
const PROCESS_TAIL = (() => {
  const bytes = randomBytes(8);
  bytes[0] = ((bytes[0] as number) & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
})();

/** Three hex digits for every 12-bit counter value. */
const HEX3 = Array.from({ length: 4096 }, (_, n) => n.toString(16).padStart(3, '0'));

let lastMs = -1;
let counter = 0;
let prefix = '';

export function newUuidV7(nowMs: number): string {
  let ms = Math.max(nowMs, lastMs);
  if (ms > lastMs) {
    counter = Math.floor(Math.random() * 0x800); // leave headroom before overflow
  } else if (++counter > 0xfff) {
    ms++;
    counter = 0;
  }
  if (ms !== lastMs) {
    const hex = ms.toString(16).padStart(12, '0');
    prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
    lastMs = ms;
  }
  return `${prefix}${HEX3[counter]}-${PROCESS_TAIL}`;
}

export function newDecisionId(nowMs: number): string {
  return newUuidV7(nowMs);
}

/** Task ids for tasks routed without one (the CLI's single `route`). */
export function newTaskId(nowMs: number): string {
  return `task-${newUuidV7(nowMs)}`;
}
