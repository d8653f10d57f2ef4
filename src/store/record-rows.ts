import { stringify as stringifyUuid } from 'uuid';
import { ByteReader, ByteWriter, MalformedBlobError } from './compact-bytes.js';

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
  /** The decision's confidence; null when it had none or was logged before migration 0011. */
  readonly confidence: number | null;
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
 * A decision's bids, in arrival order, in one blob: four 0xFF bytes, the count, then per bid its agent
 * key, bid_sats, combined, the signal count and the signals, and its rejection — as compact-bytes.ts
 * writes integers and numbers, so each reads back bit for bit. A rejection is 0 for none, 1 for the
 * same text as the last rejection before it (the bids below a threshold share one), or its UTF-8 byte
 * length plus 2 and the bytes. About a third of the first form's size (bench/scale-roster.ts).
 *
 * The first form, which logs written before hold, is still read: a uint32 count, then per bid int32
 * agent key, float64 bid_sats, float64 combined, uint8 signal count and that many float64s, int32
 * rejection length (-1 when none) and the bytes. Its count cannot be 0xFFFFFFFF, so the marker tells
 * the two apart.
 */
const COMPACT_BIDS_MARKER = [0xff, 0xff, 0xff, 0xff];
const REJECTION_NONE = 0;
const REJECTION_AS_BEFORE = 1;
const REJECTION_TEXT = 2;
const bidWriter = new ByteWriter();

export function encodeBids(
  bids: readonly {
    readonly bidSats: number;
    readonly combined: number;
    readonly signals: readonly number[];
    readonly rejection: string | null;
  }[],
  agentKeys: readonly number[],
): Buffer {
  const writer = bidWriter;
  writer.bytes(COMPACT_BIDS_MARKER);
  writer.varint(bids.length);
  let lastRejection: string | null = null;
  for (let i = 0; i < bids.length; i++) {
    const bid = bids[i] as (typeof bids)[number];
    writer.zigzag(agentKeys[i] as number);
    writer.number(bid.bidSats);
    writer.number(bid.combined);
    writer.varint(bid.signals.length);
    for (const value of bid.signals) writer.number(value);
    if (bid.rejection === null) {
      writer.varint(REJECTION_NONE);
    } else if (bid.rejection === lastRejection) {
      writer.varint(REJECTION_AS_BEFORE);
    } else {
      const length = Buffer.byteLength(bid.rejection, 'utf8');
      writer.varint(length + REJECTION_TEXT);
      writer.utf8(bid.rejection, length);
      lastRejection = bid.rejection;
    }
  }
  return writer.take();
}

/**
 * The bids of a blob of either form. A blob that is neither (edited in the file) reads as no bids,
 * which no record with bids was hashed with: `verify` names the record, and reads go on.
 */
export function decodeBids(stored: Buffer): EncodedBid[] {
  // SQLite returns text where someone stored text: read its bytes, which cannot be a valid blob's.
  const buffer = Buffer.isBuffer(stored) ? stored : Buffer.from(String(stored), 'utf8');
  try {
    return isCompactBids(buffer) ? decodeCompactBids(buffer) : decodeFirstFormBids(buffer);
  } catch (error) {
    if (error instanceof MalformedBlobError || error instanceof RangeError) return [];
    throw error;
  }
}

function isCompactBids(buffer: Buffer): boolean {
  return buffer.length >= 4 && COMPACT_BIDS_MARKER.every((byte, i) => buffer[i] === byte);
}

function decodeCompactBids(buffer: Buffer): EncodedBid[] {
  const reader = new ByteReader(buffer, COMPACT_BIDS_MARKER.length);
  const count = reader.varint();
  // Each bid takes at least five bytes: a count beyond that is an edit, not an allocation to make.
  if (count > buffer.length) throw new MalformedBlobError(`${count} bids in ${buffer.length} bytes`);
  const bids: EncodedBid[] = new Array(count);
  let lastRejection: string | null = null;
  for (let i = 0; i < count; i++) {
    const agentKey = reader.zigzag();
    const bidSats = reader.number();
    const combined = reader.number();
    const signalCount = reader.varint();
    if (signalCount > buffer.length)
      throw new MalformedBlobError(`${signalCount} signals in ${buffer.length} bytes`);
    const signals = new Array<number>(signalCount);
    for (let s = 0; s < signalCount; s++) signals[s] = reader.number();
    const rejectionTag = reader.varint();
    let rejection: string | null = null;
    if (rejectionTag === REJECTION_AS_BEFORE) {
      if (lastRejection === null) throw new MalformedBlobError('a rejection refers to none before it');
      rejection = lastRejection;
    } else if (rejectionTag >= REJECTION_TEXT) {
      rejection = reader.utf8(rejectionTag - REJECTION_TEXT);
      lastRejection = rejection;
    }
    bids[i] = { agentKey, bidSats, combined, signals, rejection };
  }
  if (!reader.done) throw new MalformedBlobError('bytes after the last bid');
  return bids;
}

function decodeFirstFormBids(buffer: Buffer): EncodedBid[] {
  const count = buffer.readUInt32LE(0);
  if (count > buffer.length) throw new MalformedBlobError(`${count} bids in ${buffer.length} bytes`);
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
