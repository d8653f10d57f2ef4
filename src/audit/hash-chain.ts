import { createHash } from 'node:crypto';
import type { Decision, PolicySpec } from '../policy/decision.js';

/**
 * The audit log's tamper evidence. Each record's hash is SHA-256 over the previous record's hash and
 * the record's canonical form, so changing, removing or reordering any stored record breaks every link
 * from there on. The chain proves integrity relative to its head: someone able to rewrite the whole
 * database can also recompute the chain, so anchor the head hash (`verify` prints it) somewhere else.
 */
export { GENESIS_HASH } from '../policy/decision.js';

/** Bumped if the canonical form ever changes; recorded inside the hashed text. */
const CANONICAL_FORMAT = 1;

// Sealing sits on the logging hot path (bench log-personas). Turning doubles into shortest decimal
// text cost more than everything else in a seal (~20 scores per personas decision), so numbers that
// are scores go into the hash as their IEEE-754 bytes instead, which is also exact by construction.
// The parts that repeat between decisions (policy, roster ids) are prepared once per shared object;
// records read back from a store simply miss these caches.
const policyArrays = new WeakMap<PolicySpec, unknown[]>();
const idsJson = new WeakMap<readonly string[], string>();

/** What a record's hash covers: a JSON text and the record's scores as float64 bytes. */
export interface CanonicalRecord {
  /**
   * JSON text of `[format, seq, decisionId, taskId, description, timestampMs, [policy name, scorer,
   * [[signal, weight]...]], selectedAgent, selectionReason, [[bidder agentId, bidSats, isRegistered]...],
   * [agentIds...]]`. Arrays, never objects, so no key order can vary.
   */
  readonly text: string;
  /**
   * Little-endian: for every non-zero capability score, its roster position (uint32) and value
   * (float64); then for every bidder, its signal values and combined score (float64 each). Counts are
   * implied by the text (signals per bidder = policy signals).
   */
  readonly scores: Buffer;
}

export function canonicalRecord(seq: number, decision: Decision): CanonicalRecord {
  let policy = policyArrays.get(decision.policy);
  if (policy === undefined) {
    const p = decision.policy;
    policy = [p.name, p.scorer, p.signals.map((s) => [s.name, s.weight])];
    policyArrays.set(decision.policy, policy);
  }
  let ids = idsJson.get(decision.agentIds);
  if (ids === undefined) {
    ids = JSON.stringify(decision.agentIds);
    idsJson.set(decision.agentIds, ids);
  }
  const head = JSON.stringify([
    CANONICAL_FORMAT,
    seq,
    decision.decisionId,
    decision.taskId,
    decision.description,
    decision.timestampMs,
    policy,
    decision.selectedAgent,
    decision.selectionReason,
    decision.bidders.map((b) => [b.agentId, b.bidSats, b.capability !== null]),
  ]);
  return { text: `${head.slice(0, -1)},${ids}]`, scores: scoreBytes(decision) };
}

function scoreBytes(decision: Decision): Buffer {
  const { capability, bidders } = decision;
  let nonZero = 0;
  for (let i = 0; i < capability.length; i++) if (capability[i] !== 0) nonZero++;
  let bidderFloats = 0;
  for (const b of bidders) bidderFloats += b.signals.length + 1;
  const bytes = Buffer.allocUnsafe(nonZero * 12 + bidderFloats * 8);
  let offset = 0;
  for (let i = 0; i < capability.length; i++) {
    const score = capability[i] as number;
    if (score === 0) continue;
    offset = bytes.writeUInt32LE(i, offset);
    offset = bytes.writeDoubleLE(score, offset);
  }
  for (const b of bidders) {
    for (const value of b.signals) offset = bytes.writeDoubleLE(value, offset);
    offset = bytes.writeDoubleLE(b.combined, offset);
  }
  return bytes;
}

/** The hash of record `seq` given its predecessor's hash. Used to seal on append and to verify. */
export function sealRecord(prevHash: string, seq: number, decision: Decision): string {
  const { text, scores } = canonicalRecord(seq, decision);
  return createHash('sha256').update(`${prevHash}\n${text}\n`).update(scores).digest('hex');
}
