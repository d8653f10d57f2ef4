import { stringify as stringifyUuid } from 'uuid';

/** Row shapes of the SQLite schema (migrations/0001_audit_log.sql) and their encodings. */
export interface DecisionRow {
  readonly seq: number;
  readonly decision_id: Buffer;
  readonly task_id: string;
  readonly description: string;
  readonly ts_ms: number;
  readonly policy_key: number;
  readonly roster_key: number;
  readonly capability: Buffer;
  readonly selected_key: number | null;
  readonly reason: string;
  readonly hash: Buffer;
  /** Absent from stream pages, where the previous row gives it; null when that record is missing. */
  readonly prev_hash?: Buffer | null;
}

export interface BidRow {
  readonly seq: number;
  readonly bid_order: number;
  readonly agent_key: number;
  readonly bid_sats: number;
  readonly signals: Buffer;
  readonly combined: number;
  readonly rejection: string | null;
}

/** A UUID's 16 bytes (uuid's own parse also validates, which cost a third of an append here). */
export function encodeUuid(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

export function decodeUuid(bytes: Buffer): string {
  return stringifyUuid(bytes);
}

/** Float64s, little-endian: exact, and 8 bytes each instead of ~20 as JSON text. */
export function encodeFloats(values: readonly number[]): Buffer {
  const buffer = Buffer.allocUnsafe(values.length * 8);
  for (let i = 0; i < values.length; i++) buffer.writeDoubleLE(values[i] as number, i * 8);
  return buffer;
}

export function decodeFloats(buffer: Buffer): number[] {
  const values = new Array<number>(buffer.length >>> 3);
  for (let i = 0; i < values.length; i++) values[i] = buffer.readDoubleLE(i * 8);
  return values;
}

/** Int32s, little-endian: the agent keys of a roster. */
export function encodeKeys(keys: readonly number[]): Buffer {
  const buffer = Buffer.allocUnsafe(keys.length * 4);
  for (let i = 0; i < keys.length; i++) buffer.writeInt32LE(keys[i] as number, i * 4);
  return buffer;
}

export function decodeKeys(buffer: Buffer): number[] {
  const keys = new Array<number>(buffer.length >>> 2);
  for (let i = 0; i < keys.length; i++) keys[i] = buffer.readInt32LE(i * 4);
  return keys;
}

/**
 * Capability scores, sparse: (uint32 position, float64 score) for every non-zero score. With large
 * rosters most agents score 0 on any one task, so this stays small; zeros are implied.
 */
export function encodeCapability(scores: ArrayLike<number>): Buffer {
  let nonZero = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] !== 0) nonZero++;
  const buffer = Buffer.allocUnsafe(nonZero * 12);
  let offset = 0;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (score === 0) continue;
    buffer.writeUInt32LE(i, offset);
    buffer.writeDoubleLE(score, offset + 4);
    offset += 12;
  }
  return buffer;
}

export function decodeCapability(buffer: Buffer, rosterSize: number): number[] {
  const scores = new Array<number>(rosterSize).fill(0);
  for (let offset = 0; offset + 12 <= buffer.length; offset += 12) {
    scores[buffer.readUInt32LE(offset)] = buffer.readDoubleLE(offset + 4);
  }
  return scores;
}
