import type { LoggedDecision } from '../policy/decision.js';
import { type ChainLink, mergeNewestFirst, pagePrevHashes } from './assemble-records.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { DecisionRow } from './record-rows.js';
import type { DecisionPage, DecisionQuery, StreamOptions } from './store.js';

/*
 * How both engines page through the decision log. The algorithms live here once; each adapter
 * supplies the reads (its SQL) as a reader.
 */

/** The filters of a decision query that every source applies alike. */
export interface SeqFilters {
  /** Only seqs below this one (the cursor's position). */
  readonly beforeSeq?: number;
  readonly taskId?: string;
  readonly sinceMs?: number;
  readonly untilMs?: number;
}

/** Where a page's seqs are read from: the whole log, an agent's bids from outside a roster, or one roster's decisions. */
export type SeqSource =
  | { readonly kind: 'all' }
  | { readonly kind: 'bids'; readonly agentKey: number }
  | { readonly kind: 'roster'; readonly rosterKey: number };

/** The reads readDecisionPage needs of an engine. */
export interface DecisionPageReader {
  /** The seqs of one source that pass `filters`, newest first, at most `limit`. */
  seqs(source: SeqSource, filters: SeqFilters, limit: number): Promise<readonly number[]>;
  /** The key the log knows the agent by, or undefined when it has never mentioned it. */
  agentKeyOf(agentId: string): Promise<number | undefined>;
  /** The rosters the agent is a member of (by key). */
  rostersOf(agentKey: number): Promise<readonly number[]>;
  /** These records, in this order. */
  decisions(seqs: readonly number[]): Promise<LoggedDecision[]>;
}

/**
 * One page of decisions matching every filter of `query`, newest first (Store.queryDecisions).
 * For an agent: exact and indexed, never a pattern — the decisions it bid in from outside a roster,
 * merged with those of every roster it was registered in, each source read newest first and only as
 * far as one page, so a page costs one read per roster, not the log's length.
 */
export async function readDecisionPage(
  reader: DecisionPageReader,
  query: DecisionQuery,
): Promise<DecisionPage> {
  const filters: SeqFilters = {
    ...(query.cursor === undefined ? {} : { beforeSeq: decodeCursor(query.cursor) }),
    ...(query.taskId === undefined ? {} : { taskId: query.taskId }),
    ...(query.sinceMs === undefined ? {} : { sinceMs: query.sinceMs }),
    ...(query.untilMs === undefined ? {} : { untilMs: query.untilMs }),
  };
  const wanted = query.limit + 1; // one more than asked tells whether another page exists
  let seqs: readonly number[];
  if (query.agentId === undefined) {
    seqs = await reader.seqs({ kind: 'all' }, filters, wanted);
  } else {
    const agentKey = await reader.agentKeyOf(query.agentId);
    if (agentKey === undefined) return { decisions: [], nextCursor: null };
    const rosters = await reader.rostersOf(agentKey);
    const sources = await Promise.all([
      reader.seqs({ kind: 'bids', agentKey }, filters, wanted),
      ...rosters.map((rosterKey) => reader.seqs({ kind: 'roster', rosterKey }, filters, wanted)),
    ]);
    seqs = mergeNewestFirst(sources, wanted);
  }
  const decisions = await reader.decisions(seqs.slice(0, query.limit));
  const last = decisions.at(-1);
  return { decisions, nextCursor: seqs.length > query.limit && last ? encodeCursor(last.seq) : null };
}

/** The reads streamDecisionPages needs of an engine. */
export interface DecisionStreamReader {
  /** The seq after which the records since `sinceMs` begin, or null when none is that recent. */
  firstSeqSince(sinceMs: number): Promise<number | null>;
  /** The rows after `afterSeq` from `sinceMs` on, in seq order, at most `limit`. */
  rowsAfter(afterSeq: number, sinceMs: number, limit: number): Promise<readonly DecisionRow[]>;
  /** The hash of record `seq`, or null when there is none. */
  hashOf(seq: number): Promise<Buffer | null>;
  /** Records from their rows, with `prevHashes` (aligned with the rows) as their predecessors' hashes. */
  assemble(rows: readonly DecisionRow[], prevHashes: readonly (Buffer | null)[]): Promise<LoggedDecision[]>;
}

/**
 * Every record in seq order from `options.sinceMs` (Store.streamDecisions), in keyset pages of
 * `pageSize`: each page is its own short read, so a long export neither holds a read transaction
 * open nor keeps more than one page in memory. A record's predecessor is the record before it in
 * the stream; only the first needs a lookup.
 */
export async function* streamDecisionPages(
  reader: DecisionStreamReader,
  options: StreamOptions,
  pageSize: number,
): AsyncIterable<LoggedDecision> {
  const sinceMs = options.sinceMs ?? Number.MIN_SAFE_INTEGER;
  let after = 0;
  if (options.sinceMs !== undefined) {
    const first = await reader.firstSeqSince(sinceMs);
    if (first === null) return;
    after = first;
  }
  let previous: ChainLink | undefined;
  for (;;) {
    const rows = await reader.rowsAfter(after, sinceMs, pageSize);
    if (rows.length === 0) return;
    const firstSeq = (rows[0] as DecisionRow).seq;
    if (previous === undefined) previous = { seq: firstSeq - 1, hash: await reader.hashOf(firstSeq - 1) };
    const { prevHashes, last } = pagePrevHashes(rows, previous);
    previous = last;
    const page = await reader.assemble(rows, prevHashes);
    yield* page;
    after = (page.at(-1) as LoggedDecision).seq;
  }
}
