import type { Decision, LoggedDecision } from '../policy/decision.js';
import type { AgentCounts, Store } from '../store/store.js';
import { ChainWalk } from './chain-walk.js';
import { type LedgerVerifyResult, verifyLedger } from './verify-ledger.js';

export type { LedgerVerifyResult } from './verify-ledger.js';

export interface VerifyResult {
  /** True when every record verifies, nothing derived from them disagrees, and the ledger verifies. */
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
  /** The ledger of row changes (agents, tasks, bids, events, outcomes); absent from verifyChain. */
  readonly ledger?: LedgerVerifyResult;
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
  const end = await new ChainWalk(records, onProgress, visit).finish();
  return {
    ok: end.firstBad === null,
    records: end.records,
    headHash: end.firstBad === null ? end.headHash : null,
    firstBad: end.firstBad,
    problems: [],
  };
}

/**
 * The whole audit: the hash chain; the ledger of row changes, walked beside it (its anchors are
 * checked against the chain in the same pass) and compared with the tables it seals; then everything
 * the store keeps beside the records — the per-agent counters that `stats` reads (recomputed from
 * the records) and the store's own indexes (`Store.checkIntegrity`). Those are not part of either
 * chain, so this is how edits to them show.
 */
export async function verifyLog(store: Store, onProgress?: (checked: number) => void): Promise<VerifyResult> {
  const expected = new Map<string, MutableCounts>();
  const walk = new ChainWalk(store.streamDecisions(), onProgress, (record) => countInto(expected, record));
  const ledger = await store.readAudit((view) => verifyLedger(view, walk));
  const end = await walk.finish();
  const chain = {
    records: end.records,
    headHash: end.firstBad === null ? end.headHash : null,
    firstBad: end.firstBad,
    ledger,
  };
  if (end.firstBad !== null) return { ...chain, ok: false, problems: [] };
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
  return { ...chain, ok: problems.length === 0 && ledger.ok, problems };
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
