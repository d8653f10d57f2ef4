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

// Sealing sits on the logging hot path (bench log-personas), so the parts that repeat from one
// decision to the next are serialised once: the policy spec and the roster's id list are shared
// objects. Keyed by identity; records read back from a store simply miss the cache.
const policyJson = new WeakMap<PolicySpec, string>();
const idsJson = new WeakMap<readonly string[], string>();

/**
 * A deterministic text form of everything a decision record holds: the JSON text of
 * `[format, seq, decisionId, taskId, description, timestampMs, [policy name, scorer, [[signal,
 * weight]...]], selectedAgent, selectionReason, [agentIds...], [capability...], [[agentId,
 * capability, bidSats, [signals...], combined]...]]`. Arrays, never objects, so no key order can
 * vary; JavaScript's number-to-string is the shortest round-trip form, so a double read back from the
 * store gives the same text.
 */
export function canonicalRecord(seq: number, decision: Decision): string {
  let policy = policyJson.get(decision.policy);
  if (policy === undefined) {
    const p = decision.policy;
    policy = JSON.stringify([p.name, p.scorer, p.signals.map((s) => [s.name, s.weight])]);
    policyJson.set(decision.policy, policy);
  }
  let ids = idsJson.get(decision.agentIds);
  if (ids === undefined) {
    ids = JSON.stringify(decision.agentIds);
    idsJson.set(decision.agentIds, ids);
  }
  const capability = decision.capability;
  let scores = '[';
  for (let i = 0; i < capability.length; i++)
    scores += `${i === 0 ? '' : ','}${JSON.stringify(capability[i])}`;
  let bidders = '[';
  for (let i = 0; i < decision.bidders.length; i++) {
    const b = decision.bidders[i] as Decision['bidders'][number];
    bidders += `${i === 0 ? '' : ','}[${JSON.stringify(b.agentId)},${JSON.stringify(b.capability)},${b.bidSats},${JSON.stringify(b.signals)},${JSON.stringify(b.combined)}]`;
  }
  return (
    `[${CANONICAL_FORMAT},${seq},${JSON.stringify(decision.decisionId)},${JSON.stringify(decision.taskId)},` +
    `${JSON.stringify(decision.description)},${decision.timestampMs},${policy},${JSON.stringify(decision.selectedAgent)},` +
    `${JSON.stringify(decision.selectionReason)},${ids},${scores}],${bidders}]]`
  );
}

/** The hash of record `seq` given its predecessor's hash. Used to seal on append and to verify. */
export function sealRecord(prevHash: string, seq: number, decision: Decision): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalRecord(seq, decision))
    .digest('hex');
}
