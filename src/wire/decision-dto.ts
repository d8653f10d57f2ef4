import type { Decision, LoggedDecision, PolicySpec } from '../policy/decision.js';
import { rankCandidates } from '../policy/explain.js';
import { jsonMap, jsonObject } from './ordered-json.js';

/**
 * Decisions on the wire (snake_case). Two shapes:
 * - the batch line of DESIGN.md: the seed's comparison fields first, then identity;
 * - the full record (audit export, `route --json`, history --json): every seed field with the full
 *   description, plus seq, ids, the policy, each candidate's breakdown and the hash chain.
 * Maps keep the decision's order: capability_scores in registration order, bids in arrival order.
 * capability_scores holds the agents the decision kept (all of them on a roster of up to 20 agents,
 * else the bidders and the best-matching others); agents_scored, present only then, says how many
 * were scored. confidence, in both shapes, is present only on a decision that has one (the
 * probability that the selected agent is the right one, to three decimals), so records logged before
 * read as they always did.
 */
export function decisionBatchLine(decision: Decision | LoggedDecision): string {
  // Written directly rather than through jsonObject/jsonMap: `route --batch` prints one line per
  // decision, and the field lists, entry arrays and key quoting were most of its output's cost. The
  // text is exactly what jsonObject would make of the same fields.
  const bidders = decision.bidders;
  let out = `{"task_id":${JSON.stringify(decision.taskId)},"selected_agent":${decision.selectedAgent === null ? 'null' : quotedId(decision.selectedAgent)},"capability_scores":${capabilityScores(decision)},"combined_scores":{`;
  for (let i = 0; i < bidders.length; i++) {
    const bidder = bidders[i] as (typeof bidders)[number];
    out += `${i === 0 ? '' : ','}${quotedId(bidder.agentId)}:${numberJson(bidder.combined)}`;
  }
  out += `},"selection_reason":${JSON.stringify(decision.selectionReason)}`;
  if (decision.confidence != null) out += `,"confidence":${numberJson(decision.confidence)}`;
  out += `,"decision_id":${JSON.stringify(decision.decisionId)}`;
  if (isLogged(decision)) out += `,"seq":${decision.seq}`;
  return `${out},"timestamp":"${isoTimestamp(decision.timestampMs)}"}`;
}

/** JSON.stringify of a number: decimal text, null when not finite. */
function numberJson(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

/**
 * Agent ids as JSON strings, quoted once each: a batch names the same few agents in every line. Ids
 * from outside the roster (unregistered bidders) are many, so the cache starts over when it is full.
 */
const QUOTED_IDS = new Map<string, string>();
const MAX_QUOTED_IDS = 10_000;

function quotedId(id: string): string {
  let quoted = QUOTED_IDS.get(id);
  if (quoted === undefined) {
    if (QUOTED_IDS.size >= MAX_QUOTED_IDS) QUOTED_IDS.clear();
    quoted = JSON.stringify(id);
    QUOTED_IDS.set(id, quoted);
  }
  return quoted;
}

/** The ISO form of the last timestamp seen: a batch's decisions share their millisecond in runs. */
let lastTimestampMs = Number.NaN;
let lastTimestampIso = '';

function isoTimestamp(ms: number): string {
  if (ms !== lastTimestampMs) {
    lastTimestampIso = new Date(ms).toISOString();
    lastTimestampMs = ms;
  }
  return lastTimestampIso;
}

export function decisionRecord(decision: Decision | LoggedDecision): string {
  const bidders = decision.bidders;
  const fields: [string, string][] = [
    ['task_id', JSON.stringify(decision.taskId)],
    ['task_description', JSON.stringify(decision.description)],
    ['candidate_agents', JSON.stringify(bidders.map((c) => c.agentId))],
    ['selected_agent', JSON.stringify(decision.selectedAgent)],
    ['selection_reason', JSON.stringify(decision.selectionReason)],
    ...(decision.confidence == null
      ? []
      : [['confidence', numberJson(decision.confidence)] as [string, string]]),
    ['capability_scores', capabilityScores(decision)],
    // Only on a decision that kept fewer agents than it scored: other records read as they always did.
    ...(decision.rosterSize === decision.agentIds.length
      ? []
      : // A record whose stored count is malformed reads as NaN (record-rows.ts), which JSON lacks.
        [
          ['agents_scored', Number.isFinite(decision.rosterSize) ? String(decision.rosterSize) : 'null'] as [
            string,
            string,
          ],
        ]),
    ['bids_received', jsonMap(bidders.map((c) => [c.agentId, c.bidSats]))],
    ['timestamp', JSON.stringify(new Date(decision.timestampMs).toISOString())],
  ];
  if (isLogged(decision)) fields.push(['seq', String(decision.seq)]);
  fields.push(
    ['decision_id', JSON.stringify(decision.decisionId)],
    ['timestamp_ms', String(decision.timestampMs)],
    ['combined_scores', jsonMap(bidders.map((c) => [c.agentId, c.combined]))],
    ['policy', policyText(decision.policy).json],
    ['breakdown', breakdownJson(decision)],
  );
  if (isLogged(decision))
    fields.push(['hash', JSON.stringify(decision.hash)], ['prev_hash', JSON.stringify(decision.prevHash)]);
  return jsonObject(fields);
}

/**
 * Each candidate, best first, with every signal's value, weight and contribution: the JSON that
 * JSON.stringify would make of rankCandidates' objects, written directly. Building the objects and
 * serialising them took a quarter of a POST /v1/route answer (bench:http route).
 */
function breakdownJson(decision: Decision): string {
  const { heads, weights } = policyText(decision.policy);
  let out = '[';
  const ranked = rankCandidates(decision);
  for (let i = 0; i < ranked.length; i++) {
    const c = ranked[i] as (typeof ranked)[number];
    out +=
      `${i === 0 ? '' : ','}{"rank":${c.rank},"agent_id":${JSON.stringify(c.agentId)},` +
      `"capability":${JSON.stringify(c.capability)},"bid_sats":${c.bidSats},"combined":${JSON.stringify(c.combined)},` +
      `"rejection":${JSON.stringify(c.rejection)},"signals":[`;
    for (let k = 0; k < c.breakdown.length; k++) {
      const s = c.breakdown[k] as (typeof c.breakdown)[number];
      out += `${k === 0 ? '' : ','}${heads[k]}${JSON.stringify(s.value)}${weights[k]}${JSON.stringify(s.contribution)}}`;
    }
    out += ']}';
  }
  return `${out}]`;
}

interface PolicyText {
  /** The policy as the record shows it. */
  readonly json: string;
  /** Per signal, the breakdown's text before its value and between value and contribution. */
  readonly heads: readonly string[];
  readonly weights: readonly string[];
}

/**
 * A decision's policy spec is shared by every decision its router makes (and interned by the store
 * when read back), so its text is built once per spec object, not once per record.
 */
const POLICY_TEXT = new WeakMap<PolicySpec, PolicyText>();

function policyText(policy: PolicySpec): PolicyText {
  let text = POLICY_TEXT.get(policy);
  if (text === undefined) {
    text = {
      json: JSON.stringify({
        name: policy.name,
        scorer: policy.scorer,
        signals: policy.signals.map((s) => ({ name: s.name, weight: s.weight })),
        ...(policy.minCapability === undefined ? {} : { min_capability: policy.minCapability }),
      }),
      heads: policy.signals.map((s) => `{"signal":${JSON.stringify(s.name)},"value":`),
      weights: policy.signals.map((s) => `,"weight":${JSON.stringify(s.weight)},"contribution":`),
    };
    POLICY_TEXT.set(policy, text);
  }
  return text;
}

function capabilityScores(decision: Decision): string {
  const { agentIds, capability } = decision;
  const heads = capabilityHeads(agentIds);
  let out = '{';
  for (let i = 0; i < agentIds.length; i++) out += `${heads[i]}${numberJson(capability[i] as number)}`;
  return `${out}}`;
}

/**
 * Per roster member, the text before its capability score (`"echo":`, then `,"mace":`): a roster's
 * id list is shared by every decision made on it, so its keys are quoted once per list.
 */
const CAPABILITY_HEADS = new WeakMap<readonly string[], readonly string[]>();

function capabilityHeads(agentIds: readonly string[]): readonly string[] {
  let heads = CAPABILITY_HEADS.get(agentIds);
  if (heads === undefined) {
    heads = agentIds.map((id, i) => `${i === 0 ? '' : ','}${JSON.stringify(id)}:`);
    CAPABILITY_HEADS.set(agentIds, heads);
  }
  return heads;
}

export function isLogged(decision: Decision | LoggedDecision): decision is LoggedDecision {
  return typeof (decision as LoggedDecision).seq === 'number';
}
