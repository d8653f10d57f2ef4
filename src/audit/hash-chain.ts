import { createHash } from 'node:crypto';
import type { Decision } from '../policy/decision.js';

/**
 * The audit log's tamper evidence. Each record's hash is SHA-256 over the previous record's hash and
 * the record's canonical form, so changing, removing or reordering any stored record breaks every link
 * from there on. The chain proves integrity relative to its head: someone able to rewrite the whole
 * database can also recompute the chain, so anchor the head hash (`verify` prints it) somewhere else.
 */
export { GENESIS_HASH } from '../policy/decision.js';

/** Bumped if the canonical form ever changes; recorded inside the hashed text. */
const CANONICAL_FORMAT = 1;

/**
 * A deterministic text form of everything a decision record holds. Arrays rather than objects, so key
 * order can never vary; JavaScript's number-to-string is the shortest round-trip form, so a double
 * read back from the store gives the same text.
 */
export function canonicalRecord(seq: number, decision: Decision): string {
  return JSON.stringify([
    CANONICAL_FORMAT,
    seq,
    decision.decisionId,
    decision.taskId,
    decision.description,
    decision.timestampMs,
    decision.policy.name,
    decision.policy.scorer,
    decision.policy.signals.map((s) => [s.name, s.weight]),
    decision.selectedAgent,
    decision.selectionReason,
    decision.candidates.map((c) => [c.agentId, c.capability, c.bidSats, c.bidOrder, c.signals, c.combined]),
  ]);
}

/** The hash of record `seq` given its predecessor's hash. Used to seal on append and to verify. */
export function sealRecord(prevHash: string, seq: number, decision: Decision): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalRecord(seq, decision))
    .digest('hex');
}
