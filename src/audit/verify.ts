import { type Decision, GENESIS_HASH, type LoggedDecision } from '../policy/decision.js';
import type { AgentCounts, Store } from '../store/store.js';
import { sealRecord } from './hash-chain.js';

export interface VerifyResult {
  /** True when every record verifies and nothing derived from them disagrees. */
  readonly ok: boolean;
  /** Records that verified (all of them when the chain is whole). */
  readonly records: number;
  /** Hash of the last record, to anchor elsewhere; null when the chain is broken. */
  readonly headHash: string | null;
  /** The first record that does not verify, if any; the walk stops there. */
  readonly firstBad: { readonly seq: number; readonly decisionId: string; readonly problem: string } | null;
  /**
   * Disagreements between the records and what the store derives from them (per-agent counters,
   * indexes), one sentence each. Checked only when the chain is whole.
   */
  readonly problems: readonly string[];
}

/**
 * Walks the log from the first record, recomputing every hash from the record's stored content and
 * its predecessor's stored hash, and stops at the first record that does not match. Streaming, so it
 * runs in constant memory; `onProgress` is called with the number of records checked.
 */
export async function verifyChain(
  records: AsyncIterable<LoggedDecision>,
  onProgress?: (checked: number) => void,
  visit?: (record: LoggedDecision) => void,
): Promise<VerifyResult> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  for await (const record of records) {
    const bad = (problem: string): VerifyResult => ({
      ok: false,
      records: expectedSeq - 1,
      headHash: null,
      firstBad: { seq: record.seq, decisionId: record.decisionId, problem },
      problems: [],
    });
    if (record.seq !== expectedSeq) {
      return bad(
        record.seq > expectedSeq
          ? `records ${expectedSeq}..${record.seq - 1} are missing before it`
          : `sequence number ${record.seq} is out of order (expected ${expectedSeq})`,
      );
    }
    const computed = sealRecord(prevHash, record.seq, record);
    if (computed !== record.hash) {
      return bad(
        `its content does not match its hash (stored ${record.hash.slice(0, 16)}…, computed ${computed.slice(0, 16)}…)`,
      );
    }
    visit?.(record);
    prevHash = record.hash;
    expectedSeq++;
    if (onProgress !== undefined && expectedSeq % 1000 === 0) onProgress(expectedSeq - 1);
  }
  return { ok: true, records: expectedSeq - 1, headHash: prevHash, firstBad: null, problems: [] };
}

/**
 * The whole audit: the hash chain, then everything the store keeps beside the records — the
 * per-agent counters that `stats` reads (recomputed from the records) and the store's own indexes
 * (`Store.checkIntegrity`). Those are not part of the chain, so this is how edits to them show.
 */
export async function verifyLog(store: Store, onProgress?: (checked: number) => void): Promise<VerifyResult> {
  const expected = new Map<string, MutableCounts>();
  const chain = await verifyChain(store.streamDecisions(), onProgress, (record) =>
    countInto(expected, record),
  );
  if (!chain.ok) return chain;
  const problems: string[] = [];
  const stored = new Map((await store.listAgentCounts()).map((c) => [c.agentId, c]));
  for (const [agentId, counts] of expected) {
    const mismatch = describeMismatch(agentId, counts, stored.get(agentId));
    if (mismatch !== undefined) problems.push(mismatch);
    stored.delete(agentId);
  }
  for (const agentId of stored.keys())
    problems.push(`counters exist for ${agentId}, which no record mentions`);
  problems.push(...(await store.checkIntegrity()));
  return { ...chain, ok: problems.length === 0, problems };
}

type MutableCounts = { considered: number; bids: number; won: number; winningBidSatsSum: number };

function countInto(counts: Map<string, MutableCounts>, decision: Decision): void {
  const of = (agentId: string): MutableCounts => {
    let c = counts.get(agentId);
    if (c === undefined) {
      c = { considered: 0, bids: 0, won: 0, winningBidSatsSum: 0 };
      counts.set(agentId, c);
    }
    return c;
  };
  for (const agentId of decision.agentIds) of(agentId).considered++;
  for (const bidder of decision.bidders) {
    const c = of(bidder.agentId);
    if (bidder.capability === null) c.considered++;
    c.bids++;
    if (bidder.agentId === decision.selectedAgent) {
      c.won++;
      c.winningBidSatsSum += bidder.bidSats;
    }
  }
}

function describeMismatch(
  agentId: string,
  expected: MutableCounts,
  stored: AgentCounts | undefined,
): string | undefined {
  const fields = ['considered', 'bids', 'won', 'winningBidSatsSum'] as const;
  const wrong = fields.filter((f) => (stored?.[f] ?? 0) !== expected[f]);
  if (wrong.length === 0) return undefined;
  const detail = wrong.map((f) => `${f} ${stored?.[f] ?? 0} (records say ${expected[f]})`).join(', ');
  return `counters for ${agentId} disagree with the records: ${detail}`;
}
