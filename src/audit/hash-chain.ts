import { createHash } from 'node:crypto';
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
   * when present, `\nT` and the policy's minCapability, and `\nR<n>#` with each refused bidder's
   * position, `@`, and framed rejection reason.
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
  const { policy, bidders, capability } = decision;
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

  let nonZero = 0;
  for (let i = 0; i < capability.length; i++) if (capability[i] !== 0) nonZero++;
  let floats = 2 + policy.signals.length + 1 + nonZero * 2;
  for (const b of bidders) floats += 3 + b.signals.length;
  const numbers = Buffer.allocUnsafe(floats * 8);
  let at = numbers.writeDoubleLE(seq, 0);
  at = numbers.writeDoubleLE(decision.timestampMs, at);
  for (const s of policy.signals) at = numbers.writeDoubleLE(s.weight, at);
  for (const b of bidders) {
    at = numbers.writeDoubleLE(b.bidSats, at);
    at = numbers.writeDoubleLE(b.capability === null ? 0 : 1, at);
    for (const value of b.signals) at = numbers.writeDoubleLE(value, at);
    at = numbers.writeDoubleLE(b.combined, at);
  }
  at = numbers.writeDoubleLE(nonZero, at);
  for (let i = 0; i < capability.length; i++) {
    const score = capability[i] as number;
    if (score === 0) continue;
    at = numbers.writeDoubleLE(i, at);
    at = numbers.writeDoubleLE(score, at);
  }
  return { text, numbers };
}

/** The hash of record `seq` given its predecessor's hash. Used to seal on append and to verify. */
export function sealRecord(prevHash: string, seq: number, decision: Decision): string {
  const { text, numbers } = canonicalRecord(seq, decision);
  return createHash('sha256').update(`${prevHash}\n${text}`).update(numbers).digest('hex');
}
