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
  /** The bids (encodeBids); null for records logged before migration 0004, whose bids are rows. */
  readonly bids: Buffer | null;
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

/** One bid as its blob holds it: the agent by key, the rest as the decision has it. */
export interface EncodedBid {
  readonly agentKey: number;
  readonly bidSats: number;
  readonly combined: number;
  readonly signals: number[];
  readonly rejection: string | null;
}

/**
 * A decision's bids, in arrival order: uint32 count, then per bid int32 agent key, float64 bid_sats,
 * float64 combined, uint8 signal count and that many float64s, int32 rejection length in UTF-8 bytes
 * (-1 when none) and the bytes. Exact, and one column instead of a row per bid.
 */
export function encodeBids(
  bids: readonly {
    readonly bidSats: number;
    readonly combined: number;
    readonly signals: readonly number[];
    readonly rejection: string | null;
  }[],
  agentKeys: readonly number[],
): Buffer {
  let size = 4;
  for (const bid of bids) {
    size += 4 + 8 + 8 + 1 + bid.signals.length * 8 + 4;
    if (bid.rejection !== null) size += Buffer.byteLength(bid.rejection, 'utf8');
  }
  const buffer = Buffer.allocUnsafe(size);
  let at = buffer.writeUInt32LE(bids.length, 0);
  for (let i = 0; i < bids.length; i++) {
    const bid = bids[i] as (typeof bids)[number];
    at = buffer.writeInt32LE(agentKeys[i] as number, at);
    at = buffer.writeDoubleLE(bid.bidSats, at);
    at = buffer.writeDoubleLE(bid.combined, at);
    at = buffer.writeUInt8(bid.signals.length, at);
    for (const value of bid.signals) at = buffer.writeDoubleLE(value, at);
    if (bid.rejection === null) {
      at = buffer.writeInt32LE(-1, at);
    } else {
      const length = buffer.write(bid.rejection, at + 4, 'utf8');
      buffer.writeInt32LE(length, at);
      at += 4 + length;
    }
  }
  return buffer;
}

export function decodeBids(buffer: Buffer): EncodedBid[] {
  const count = buffer.readUInt32LE(0);
  const bids: EncodedBid[] = new Array(count);
  let at = 4;
  for (let i = 0; i < count; i++) {
    const agentKey = buffer.readInt32LE(at);
    const bidSats = buffer.readDoubleLE(at + 4);
    const combined = buffer.readDoubleLE(at + 12);
    const signalCount = buffer.readUInt8(at + 20);
    at += 21;
    const signals = new Array<number>(signalCount);
    for (let s = 0; s < signalCount; s++) {
      signals[s] = buffer.readDoubleLE(at);
      at += 8;
    }
    const length = buffer.readInt32LE(at);
    at += 4;
    let rejection: string | null = null;
    if (length >= 0) {
      rejection = buffer.toString('utf8', at, at + length);
      at += length;
    }
    bids[i] = { agentKey, bidSats, combined, signals, rejection };
  }
  return bids;
}

// Hex digit values by character code, and where each byte's two digits sit in the 8-4-4-4-12 form.
const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}
const UUID_DIGIT_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/**
 * A UUID's 16 bytes. The ids are the router's own (UUIDv7), so they are not validated again here:
 * uuid's parse, which validates, cost a third of an append, and removing the dashes then parsing hex
 * still cost ~0.8 µs of a logged decision; a table lookup per digit costs ~0.1 µs.
 */
export function encodeUuid(id: string): Buffer {
  const bytes = Buffer.allocUnsafe(16);
  for (let i = 0; i < 16; i++) {
    const at = UUID_DIGIT_AT[i] as number;
    bytes[i] = ((HEX_VALUE[id.charCodeAt(at)] as number) << 4) | (HEX_VALUE[id.charCodeAt(at + 1)] as number);
  }
  return bytes;
}

export function decodeUuid(bytes: Buffer): string {
  return stringifyUuid(bytes);
}

/** Float64s, little-endian (the signals of bid rows logged before migration 0004). */
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
 * rosters most agents score 0 on any one task, so this stays small; zeros are implied. A decision that
 * kept only some of the agents it scored (kept-candidates.ts) ends with one more uint32: how many it
 * scored. The 12-byte pairs leave a 4-byte remainder to show it, so records written before read as
 * they always did, and the column, and the database functions that pass it along, need no change.
 */
export function encodeCapability(scores: ArrayLike<number>, rosterSize = scores.length): Buffer {
  let nonZero = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] !== 0) nonZero++;
  const trailer = rosterSize === scores.length ? 0 : 4;
  const buffer = Buffer.allocUnsafe(nonZero * 12 + trailer);
  let offset = 0;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (score === 0) continue;
    buffer.writeUInt32LE(i, offset);
    buffer.writeDoubleLE(score, offset + 4);
    offset += 12;
  }
  if (trailer > 0) buffer.writeUInt32LE(rosterSize, offset);
  return buffer;
}

/**
 * The scores of a decision's kept agents (`kept` of them), and how many agents it scored. Only the
 * form encodeCapability writes is read as such: positions in order and below `kept`, no zero score,
 * nothing after the pairs but a trailer above `kept`. Anything else (a value edited in the file, even
 * one that would mean the same scores) reads as a count of NaN, which no hash was made of: `verify`
 * names the record, and reads go on rather than fail.
 */
export function decodeCapability(stored: unknown, kept: number): { scores: number[]; rosterSize: number } {
  const scores = new Array<number>(kept).fill(0);
  // SQLite returns text where someone stored text: read its bytes, which cannot be a valid blob's.
  const buffer = Buffer.isBuffer(stored) ? stored : Buffer.from(String(stored), 'utf8');
  let canonical = true;
  let offset = 0;
  let previous = -1;
  for (; offset + 12 <= buffer.length; offset += 12) {
    const position = buffer.readUInt32LE(offset);
    const score = buffer.readDoubleLE(offset + 4);
    if (position >= kept || position <= previous || score === 0) {
      // A trailer is 4 bytes, so a 12-byte group is a pair unless the blob ends 4 bytes later.
      canonical = false;
      break;
    }
    scores[position] = score;
    previous = position;
  }
  let rosterSize = kept;
  const rest = buffer.length - offset;
  if (!canonical || (rest !== 0 && rest !== 4)) rosterSize = Number.NaN;
  else if (rest === 4) {
    rosterSize = buffer.readUInt32LE(offset);
    if (rosterSize <= kept) rosterSize = Number.NaN;
  }
  return { scores, rosterSize };
}
