import { type BidderRecord, GENESIS_HASH, type LoggedDecision, type PolicySpec } from '../policy/decision.js';
import {
  type BidRow,
  type DecisionRow,
  decodeBids,
  decodeCapability,
  decodeFloats,
  decodeUuid,
} from './record-rows.js';

/** An interned roster: its agent ids in registration order, and where each sits. */
export interface Roster {
  readonly agentIds: readonly string[];
  readonly positionOf: ReadonlyMap<string, number>;
}

export function rosterOf(agentIds: readonly string[]): Roster {
  const frozen = Object.freeze([...agentIds]);
  return { agentIds: frozen, positionOf: new Map(frozen.map((id, i) => [id, i])) };
}

/**
 * What the records' interned keys stand for. An adapter answers from its cache; one whose lookups
 * are asynchronous (PostgreSQL) loads the keys of a page before assembling it.
 */
export interface RecordKeys {
  roster(key: number): Roster;
  policy(key: number): PolicySpec;
  agentId(key: number): string;
}

/**
 * Audit records from their rows: the decision row, its bid rows (any order, any number of records),
 * and the interned roster, policy and agent ids behind the keys. `prevHashes`, aligned with `rows`,
 * stands in for the prev_hash column when the caller already knows the predecessors (streams).
 */
export function assembleRecords(
  keys: RecordKeys,
  rows: readonly DecisionRow[],
  bidRows: readonly BidRow[],
  prevHashes?: readonly (Buffer | null)[],
): LoggedDecision[] {
  const bidsBySeq = new Map<number, BidRow[]>();
  for (const bid of bidRows) {
    let list = bidsBySeq.get(bid.seq);
    if (list === undefined) {
      list = [];
      bidsBySeq.set(bid.seq, list);
    }
    list.push(bid);
  }
  return rows.map((row, index) => {
    const roster = keys.roster(row.roster_key);
    const { scores: capability, rosterSize } = decodeCapability(row.capability, roster.agentIds.length);
    // Not stored twice: a registered bidder's capability is its roster score.
    const capabilityOf = (agentId: string): number | null => {
      const position = roster.positionOf.get(agentId);
      return position === undefined ? null : (capability[position] as number);
    };
    const bidders =
      row.bids !== null
        ? decodeBids(row.bids).map((bid): BidderRecord => {
            const agentId = keys.agentId(bid.agentKey);
            return {
              agentId,
              capability: capabilityOf(agentId),
              bidSats: bid.bidSats,
              signals: bid.signals,
              combined: bid.combined,
              rejection: bid.rejection,
            };
          })
        : // Logged before migration 0004: the bids are rows.
          (bidsBySeq.get(row.seq) ?? []).map((bid): BidderRecord => {
            const agentId = keys.agentId(bid.agent_key);
            return {
              agentId,
              capability: capabilityOf(agentId),
              bidSats: bid.bid_sats,
              signals: decodeFloats(bid.signals),
              combined: bid.combined,
              rejection: bid.rejection,
            };
          });
    return {
      seq: row.seq,
      decisionId: decodeUuid(row.decision_id),
      taskId: row.task_id,
      description: row.description,
      timestampMs: row.ts_ms,
      policy: keys.policy(row.policy_key),
      agentIds: roster.agentIds,
      capability,
      rosterSize,
      bidders,
      selectedAgent: row.selected_key === null ? null : keys.agentId(row.selected_key),
      selectionReason: row.reason,
      // A REAL / float8 column holds the recorded (rounded) double exactly; NULL: no confidence.
      confidence: row.confidence ?? null,
      hash: row.hash.toString('hex'),
      prevHash: prevHashOf(row.seq, prevHashes === undefined ? row.prev_hash : prevHashes[index]),
    };
  });
}

/** A missing predecessor shows as '' (verify reports the gap); the first record's is GENESIS. */
function prevHashOf(seq: number, prevHash: Buffer | null | undefined): string {
  if (seq === 1) return GENESIS_HASH;
  return prevHash == null ? '' : prevHash.toString('hex');
}

/** A stored record's place and hash, as a stream page walks the chain. */
export interface ChainLink {
  readonly seq: number;
  readonly hash: Buffer | null;
}

/**
 * Each row's predecessor hash on a page of a stream in seq order, given the record before the page
 * (null where the predecessor is missing, which verify then reports); returns them and the page's
 * last link, the next page's predecessor.
 */
export function pagePrevHashes(
  rows: readonly DecisionRow[],
  before: ChainLink,
): { prevHashes: (Buffer | null)[]; last: ChainLink } {
  let previous = before;
  const prevHashes: (Buffer | null)[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as DecisionRow;
    prevHashes[i] = previous.seq === row.seq - 1 ? previous.hash : null;
    previous = { seq: row.seq, hash: row.hash };
  }
  return { prevHashes, last: previous };
}

/** The newest `limit` distinct values of several lists that are each sorted newest (highest) first. */
export function mergeNewestFirst(lists: readonly (readonly number[])[], limit: number): number[] {
  const merged = [...new Set(lists.flat())].sort((a, b) => b - a);
  return merged.slice(0, limit);
}
