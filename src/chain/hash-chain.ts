import * as crypto from 'node:crypto';
import type { Decision, PolicySpec } from '../policy/decision.js';

/**
 * The audit log's tamper evidence. Each record's hash is SHA-256 over the previous record's hash and
 * the record's canonical form, so changing, removing or reordering any stored record breaks every link
 * from there on. The chain proves integrity relative to its head: someone able to rewrite the whole
 * database can also recompute the chain, so anchor the head hash (`verify` prints it) somewhere else.
 */
export { GENESIS_HASH } from '../policy/decision.js';

/** Names the canonical form; bumped if it ever changes. Part of the hashed text. */
const CANONICAL_FORMAT = 'swarm-router/decision/1';

// Sealing sits on the logging hot path (bench log-personas), and formatting numbers or escaping
// strings as JSON cost more than the SHA-256 itself. So the canonical form is two parts: the record's
// strings, each framed by its length, and its numbers as IEEE-754 bytes. Both are exact by
// construction. Strings go into the hash as UTF-8, which is also how SQLite stores them: a lone
// surrogate becomes U+FFFD on both paths, so a record verifies after a round trip through the store.
// The parts that repeat between decisions (policy, roster ids) are framed once per shared object;
// records read back from a store simply miss these caches.
const policyText = new WeakMap<PolicySpec, string>();
const rosterText = new WeakMap<readonly string[], string>();

/** What a record's hash covers. */
export interface CanonicalRecord {
  /**
   * The format name and a newline, then the strings, each as `<UTF-16 length>:<string>`: decisionId,
   * taskId, description, policy name, scorer, `<n>#` and the n signal names, selectedAgent (`-` when
   * none), selectionReason, `<n>#` and the n bidders' ids, `<n>#` and the n roster ids; then, only
   * when present, `\nT` and the policy's minCapability, `\nR<n>#` with each refused bidder's
   * position, `@`, and framed rejection reason, and, when the decision kept fewer agents than it
   * scored, `\nN` and the framed number it scored (rosterSize); and, when the decision has a
   * confidence, `\nC` and it framed, as JavaScript writes the number (`0.83`).
   */
  readonly text: string;
  /**
   * Float64 little-endian: seq, timestampMs, each signal weight; for each bidder its bidSats, 1 or 0
   * for registered, its signal values and combined score; the number of non-zero capability scores,
   * then for each its roster position and value.
   */
  readonly numbers: Buffer;
}

const frame = (value: string): string => `${value.length}:${value}`;

export function canonicalRecord(seq: number, decision: Decision): CanonicalRecord {
  const text = canonicalText(decision);
  const floats = writeNumbers(seq, decision);
  return { text, numbers: Buffer.from(numberBytes(floats)) };
}

/**
 * What a record's hash covers apart from its place in the chain, for sealing elsewhere (the
 * PostgreSQL store seals inside the database, where seq is decided): the canonical text as UTF-8,
 * and the numbers that follow seq. The hash is SHA-256 over the previous hash as hex, a newline,
 * `text`, seq as float64 little-endian, then `numbersAfterSeq` (exactly what sealRecord hashes).
 */
export function canonicalParts(decision: Decision): { text: Buffer; numbersAfterSeq: Buffer } {
  const { text, numbers } = canonicalRecord(0, decision);
  return { text: Buffer.from(text, 'utf8'), numbersAfterSeq: numbers.subarray(8) };
}

/** CanonicalRecord.text. */
function canonicalText(decision: Decision): string {
  const { policy, bidders } = decision;
  let policyPart = policyText.get(policy);
  if (policyPart === undefined) {
    policyPart = `${frame(policy.name)}${frame(policy.scorer)}${policy.signals.length}#${policy.signals.map((s) => frame(s.name)).join('')}`;
    policyText.set(policy, policyPart);
  }
  let rosterPart = rosterText.get(decision.agentIds);
  if (rosterPart === undefined) {
    rosterPart = `${decision.agentIds.length}#${decision.agentIds.map(frame).join('')}`;
    rosterText.set(decision.agentIds, rosterPart);
  }
  let text = `${CANONICAL_FORMAT}\n${frame(decision.decisionId)}${frame(decision.taskId)}${frame(decision.description)}${policyPart}`;
  text += `${decision.selectedAgent === null ? '-' : frame(decision.selectedAgent)}${frame(decision.selectionReason)}${bidders.length}#`;
  for (const b of bidders) text += frame(b.agentId);
  text += rosterPart;
  // Added with filters and thresholds; present only when used, so records without them (all records
  // logged before) keep exactly the canonical form they were sealed with.
  if (policy.minCapability !== undefined) text += `\nT${frame(String(policy.minCapability))}`;
  let rejected = 0;
  for (const b of bidders) if (b.rejection !== null) rejected++;
  if (rejected > 0) {
    text += `\nR${rejected}#`;
    for (let i = 0; i < bidders.length; i++) {
      const reason = (bidders[i] as (typeof bidders)[number]).rejection;
      if (reason !== null) text += `${i}@${frame(reason)}`;
    }
  }
  if (decision.rosterSize !== decision.agentIds.length) text += `\nN${frame(String(decision.rosterSize))}`;
  // A decimal of at most CONFIDENCE_DECIMALS places, whose shortest round-trip form (String) is the
  // same on every platform. Absent (null, or undefined from a caller's older object): nothing added.
  if (decision.confidence != null) text += `\nC${frame(String(decision.confidence))}`;
  return text;
}

// The numbers are written into one reused Float64Array and hashed from its bytes: a Buffer per
// record and a writeDoubleLE call per number were a good part of sealing (bench log-personas). Its
// bytes are the little-endian IEEE-754 the canonical form names only on a little-endian machine;
// elsewhere each number is written little-endian explicitly. Sealing is synchronous, so one scratch
// serves every call.
const IS_LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;
let scratch = new Float64Array(256);

/** Writes the record's numbers (see CanonicalRecord.numbers) into the scratch; returns how many. */
function writeNumbers(seq: number, decision: Decision): number {
  const { policy, bidders, capability } = decision;
  let nonZero = 0;
  for (let i = 0; i < capability.length; i++) if (capability[i] !== 0) nonZero++;
  let floats = 2 + policy.signals.length + 1 + nonZero * 2;
  for (const b of bidders) floats += 3 + b.signals.length;
  if (scratch.length < floats) scratch = new Float64Array(Math.max(floats, scratch.length * 2));
  const out = scratch;
  let at = 0;
  out[at++] = seq;
  out[at++] = decision.timestampMs;
  for (const s of policy.signals) out[at++] = s.weight;
  for (const b of bidders) {
    out[at++] = b.bidSats;
    out[at++] = b.capability === null ? 0 : 1;
    for (const value of b.signals) out[at++] = value;
    out[at++] = b.combined;
  }
  out[at++] = nonZero;
  for (let i = 0; i < capability.length; i++) {
    const score = capability[i] as number;
    if (score === 0) continue;
    out[at++] = i;
    out[at++] = score;
  }
  return floats;
}

/** The scratch's first `floats` numbers as little-endian bytes (a view where the machine is LE). */
function numberBytes(floats: number): Uint8Array {
  if (IS_LITTLE_ENDIAN) return new Uint8Array(scratch.buffer, 0, floats * 8);
  const bytes = Buffer.allocUnsafe(floats * 8);
  for (let i = 0; i < floats; i++) bytes.writeDoubleLE(scratch[i] as number, i * 8);
  return bytes;
}

/**
 * One-shot SHA-256 (`crypto.hash`, Node ≥ 20.12): a third cheaper than a Hash object per record for
 * inputs this small. Older Node 20 releases take the streaming path; both hash the same bytes.
 */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string })
  .hash;

// The predecessor's hash, a newline, the text as UTF-8 and the numbers' bytes, in one reused buffer.
let input = Buffer.allocUnsafe(4096);

/** The hash of record `seq` given its predecessor's hash. Used to seal on append and to verify. */
export function sealRecord(prevHash: string, seq: number, decision: Decision): string {
  const text = canonicalText(decision);
  const floats = writeNumbers(seq, decision);
  const numbers = numberBytes(floats);
  if (oneShotHash === undefined) {
    return crypto.createHash('sha256').update(`${prevHash}\n${text}`).update(numbers).digest('hex');
  }
  // Three UTF-8 bytes at most per UTF-16 unit, so the text always fits.
  const room = prevHash.length * 3 + 1 + text.length * 3 + numbers.length;
  if (input.length < room) input = Buffer.allocUnsafe(Math.max(room, input.length * 2));
  let at = input.write(prevHash, 0, 'utf8');
  input[at++] = 0x0a;
  at += input.write(text, at, 'utf8');
  input.set(numbers, at);
  at += numbers.length;
  return oneShotHash('sha256', input.subarray(0, at), 'hex');
}
