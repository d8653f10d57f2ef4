import {
  type Adopted,
  agentEntry,
  entryMatches,
  eventEntry,
  outcomeEntry,
  taskEntry,
} from '../chain/ledger-entry.js';
import { GENESIS_HASH } from '../policy/decision.js';
import type { AuditView, LedgerEntry } from '../store/ledger-port.js';
import type { ChainWalk } from './chain-walk.js';
import { LedgerReplay } from './ledger-replay.js';

/** What `verify` found in the ledger of row changes (ledger-entry.ts). */
export interface LedgerVerifyResult {
  /** True when every entry verifies and every sealed table holds what the ledger says. */
  readonly ok: boolean;
  /** Entries that verified. */
  readonly entries: number;
  /** Hash of the last entry, to anchor elsewhere; null when the ledger does not verify. */
  readonly headHash: string | null;
  /** The first entry that does not verify, if any; the walk stops there and no row is compared. */
  readonly firstBad: { readonly entrySeq: number; readonly problem: string } | null;
  /**
   * Rows an older version had written when sealing began (the ledger's origin entry): sealed as found
   * then, so their history before it is unsealed. Null when there is no origin entry to say.
   */
  readonly adopted: Adopted | null;
  /**
   * Changes committed but not sealed yet (a store that seals shortly after commit): their rows are
   * left out of the comparison, neither vouched for nor counted as tampered.
   */
  readonly pending: number;
  /** Rows that differ from what the ledger sealed, are missing, or were never sealed, each named. */
  readonly problems: readonly string[];
}

/** At most this many problems are named per table; the rest are counted. */
const MAX_NAMED = 50;

/**
 * Walks the ledger from its first entry, checking each entry's hash and its anchor against the
 * decision chain (`chain`, walked in the same pass), replays it into what the agents, tasks (with their
 * bids), events and outcomes tables must hold, and compares that with what they hold, naming each row
 * that differs, is missing, or is there without ever having been sealed. Reads everything from one
 * snapshot (`view`).
 */
export async function verifyLedger(view: AuditView, chain: ChainWalk): Promise<LedgerVerifyResult> {
  const replay = new LedgerReplay();
  const walk = await walkLedger(view.ledger(), chain, replay);
  if (walk.firstBad !== null) {
    return {
      ok: false,
      entries: walk.entries,
      headHash: null,
      firstBad: walk.firstBad,
      adopted: walk.adopted,
      pending: 0,
      problems: [],
    };
  }
  const pending = new PendingSubjects();
  for await (const ref of view.pending()) pending.add(ref.kind, ref.subject);
  const problems = [...walk.problems, ...replay.problems];
  problems.push(...(await compareAgents(view, replay, pending)));
  problems.push(...(await compareTasks(view, replay, pending)));
  problems.push(...(await compareEvents(view, replay, pending)));
  problems.push(...(await compareOutcomes(view, replay, pending)));
  return {
    ok: problems.length === 0,
    entries: walk.entries,
    headHash: walk.headHash,
    firstBad: null,
    adopted: walk.adopted,
    pending: pending.count,
    problems,
  };
}

interface Walked {
  entries: number;
  headHash: string;
  firstBad: { entrySeq: number; problem: string } | null;
  adopted: Adopted | null;
  problems: string[];
}

async function walkLedger(
  entries: AsyncIterable<LedgerEntry>,
  chain: ChainWalk,
  replay: LedgerReplay,
): Promise<Walked> {
  const walked: Walked = { entries: 0, headHash: GENESIS_HASH, firstBad: null, adopted: null, problems: [] };
  let lastAnchor = 0;
  let anchorsUnchecked = 0;
  /** Entries still to come of those the origin says it adopted, by kind. */
  let adoption: Map<string, number> | undefined;
  for await (const entry of entries) {
    const expected = walked.entries + 1;
    const bad = (problem: string): Walked => {
      walked.firstBad = { entrySeq: entry.entrySeq, problem };
      return walked;
    };
    if (entry.entrySeq !== expected) {
      return bad(
        entry.entrySeq > expected
          ? `entries ${expected}..${entry.entrySeq - 1} are missing before it`
          : `entry number ${entry.entrySeq} is out of order (expected ${expected})`,
      );
    }
    if (!entryMatches(walked.headHash, entry)) return bad('its content does not match its hash');
    if ((entry.kind === 'origin') !== (expected === 1)) {
      return bad(
        expected === 1
          ? `the ledger must begin with its origin entry, not a '${entry.kind}' entry`
          : 'a second origin entry',
      );
    }
    if (entry.kind === 'origin') {
      walked.adopted = (JSON.parse(entry.body) as { adopted: Adopted }).adopted;
      adoption = new Map([
        ['agent', walked.adopted.agents],
        ['task', walked.adopted.tasks],
        ['event', walked.adopted.events],
        ['outcome', walked.adopted.outcomes],
      ]);
    } else if (adoption !== undefined) {
      const left = adoption.get(entry.kind) ?? 0;
      if (left > 0) adoption.set(entry.kind, left - 1);
      else {
        walked.problems.push(...adoptionShortfall(adoption));
        adoption = undefined;
      }
    }
    if (entry.anchorSeq < lastAnchor) {
      return bad(`it is anchored to decision ${entry.anchorSeq}, before the previous entry's ${lastAnchor}`);
    }
    lastAnchor = entry.anchorSeq;
    const anchorHash = await chain.hashAt(entry.anchorSeq);
    if (anchorHash === undefined) {
      // The chain breaks before the anchor (verify names that record), or ends before it.
      if (!chain.broken) {
        return bad(`it is anchored to decision ${entry.anchorSeq}, past the chain's end (${chain.verified})`);
      }
      anchorsUnchecked++;
    } else if (anchorHash !== entry.anchorHash) {
      return bad(
        `it is anchored to decision ${entry.anchorSeq} with hash ${entry.anchorHash.slice(0, 16)}…, but that record's hash is ${anchorHash.slice(0, 16)}…`,
      );
    }
    const named = namedDecision(entry);
    if (named !== undefined && named > entry.anchorSeq) {
      walked.problems.push(
        `ledger entry ${entry.entrySeq} (${entry.kind} ${entry.subject}) names decision ${named}, but was sealed when the chain ended at ${entry.anchorSeq}`,
      );
    }
    replay.apply(entry);
    walked.headHash = entry.hash;
    walked.entries = expected;
  }
  if (adoption !== undefined) walked.problems.push(...adoptionShortfall(adoption));
  if (walked.entries === 0) {
    walked.problems.push(
      'the ledger is empty: its origin entry, written when sealing began, is gone (rows read as never sealed)',
    );
  }
  if (anchorsUnchecked > 0) {
    walked.problems.push(
      `${anchorsUnchecked} ledger entries are anchored to decisions past the first record that does not verify`,
    );
  }
  return walked;
}

/** What the entries adopted when sealing began lack of what the origin entry counts. */
function adoptionShortfall(left: Map<string, number>): string[] {
  const missing = [...left].filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}`);
  return missing.length === 0
    ? []
    : [
        `the rows sealed when sealing began fall short of the origin entry's count (${missing.join(', ')} entries missing)`,
      ];
}

/** The decision a task or outcome entry names: it must be in the chain when the entry is sealed. */
function namedDecision(entry: LedgerEntry): number | undefined {
  if (entry.kind !== 'task' && entry.kind !== 'outcome') return undefined;
  const seq = (JSON.parse(entry.body) as { decision_seq?: unknown }).decision_seq;
  return typeof seq === 'number' ? seq : undefined;
}

/** Subjects with changes not sealed yet, by the table they change. */
class PendingSubjects {
  readonly #subjects = new Map<string, Set<string>>();
  count = 0;

  add(kind: string, subject: string): void {
    const table = TABLE_OF_KIND[kind] ?? kind;
    let set = this.#subjects.get(table);
    if (set === undefined) {
      set = new Set();
      this.#subjects.set(table, set);
    }
    set.add(subject);
    this.count++;
  }

  has(table: string, subject: string): boolean {
    return this.#subjects.get(table)?.has(subject) === true;
  }
}

const TABLE_OF_KIND: Readonly<Record<string, string>> = {
  agent: 'agents',
  agent_removed: 'agents',
  task: 'tasks',
  bid: 'tasks',
  event: 'events',
  outcome: 'outcomes',
};

/** Problems of one table, the first MAX_NAMED named and the rest counted. */
class Named {
  readonly #table: string;
  readonly list: string[] = [];
  #more = 0;

  constructor(table: string) {
    this.#table = table;
  }

  push(problem: string): void {
    if (this.list.length < MAX_NAMED) this.list.push(problem);
    else this.#more++;
  }

  done(): string[] {
    if (this.#more > 0) this.list.push(`… and ${this.#more} more ${this.#table} that differ from the ledger`);
    return this.list;
  }
}

async function compareAgents(
  view: AuditView,
  replay: LedgerReplay,
  pending: PendingSubjects,
): Promise<string[]> {
  const named = new Named('agents');
  const seen = new Set<string>();
  for await (const agent of view.agents()) {
    const agentId = agent.manifest.agentId;
    seen.add(agentId);
    if (pending.has('agents', agentId)) continue;
    const sealed = replay.agents.get(agentId);
    if (sealed === undefined) {
      named.push(`agent ${agentId}: stored, but never sealed (added behind the router's back?)`);
    } else if (sealed === null) {
      named.push(`agent ${agentId}: stored, but its sealed history ends with its removal`);
    } else {
      const actual = agentEntry(agent).body;
      if (actual !== sealed)
        named.push(`agent ${agentId}: ${agentDifferences(JSON.parse(actual), JSON.parse(sealed))}`);
    }
  }
  for (const [agentId, sealed] of replay.agents) {
    if (sealed !== null && !seen.has(agentId) && !pending.has('agents', agentId)) {
      named.push(`agent ${agentId}: sealed as registered, but missing (deleted behind the router's back?)`);
    }
  }
  return named.done();
}

function agentDifferences(actual: Record<string, unknown>, sealed: Record<string, unknown>): string {
  const parts: string[] = [];
  // The token hash is the agent's key: a different one hands the agent to whoever holds its token.
  if (actual.token_hash !== sealed.token_hash) parts.push('token_hash differs from its sealed registration');
  if (JSON.stringify(actual.manifest) !== JSON.stringify(sealed.manifest)) {
    parts.push(
      `manifest differs from its sealed registration (${differences(
        actual.manifest as Record<string, unknown>,
        sealed.manifest as Record<string, unknown>,
      ).join('; ')})`,
    );
  }
  if (actual.registered_ms !== sealed.registered_ms) {
    parts.push(`registered_ms is ${show(actual.registered_ms)}, sealed as ${show(sealed.registered_ms)}`);
  }
  return parts.join('; ');
}

async function compareTasks(
  view: AuditView,
  replay: LedgerReplay,
  pending: PendingSubjects,
): Promise<string[]> {
  const named = new Named('tasks');
  const seen = new Set<string>();
  for await (const task of view.tasks()) {
    seen.add(task.taskId);
    if (pending.has('tasks', task.taskId)) continue;
    const expected = replay.expectedTask(task.taskId);
    if (expected === undefined) {
      named.push(`task ${task.taskId}: stored, but never sealed (added behind the router's back?)`);
      continue;
    }
    const actual = JSON.parse(taskEntry(task).body) as Record<string, unknown>;
    const differ = differences(actual, expected);
    const stray = replay.strayBids(task.taskId);
    if (stray > 0) differ.push(`${stray} sealed bids do not follow on from its sealed state`);
    if (differ.length > 0) named.push(`task ${task.taskId}: ${differ.join('; ')}`);
  }
  for (const taskId of replay.taskIds()) {
    if (!seen.has(taskId) && !pending.has('tasks', taskId)) {
      named.push(`task ${taskId}: sealed, but missing (deleted behind the router's back?)`);
    }
  }
  return named.done();
}

function compareEvents(view: AuditView, replay: LedgerReplay, pending: PendingSubjects): Promise<string[]> {
  return compareAppendOnly(
    'events',
    mapRows(view.events(), (event) => [String(event.eventId), eventEntry(event).body]),
    replay.events,
    pending,
    (id, body: { task_id?: unknown; kind?: unknown }) =>
      `event ${id} (task ${String(body.task_id)}, ${String(body.kind)})`,
  );
}

function compareOutcomes(view: AuditView, replay: LedgerReplay, pending: PendingSubjects): Promise<string[]> {
  return compareAppendOnly(
    'outcomes',
    mapRows(view.outcomes(), (outcome) => [String(outcome.outcomeSeq), outcomeEntry(outcome).body]),
    replay.outcomes,
    pending,
    (id, body: { decision_seq?: unknown; agent_id?: unknown }) =>
      `outcome ${id} (decision ${String(body.decision_seq)}, agent ${String(body.agent_id)})`,
  );
}

async function* mapRows<T>(
  rows: AsyncIterable<T>,
  toEntry: (row: T) => [id: string, body: string],
): AsyncIterable<[id: string, body: string]> {
  for await (const row of rows) yield toEntry(row);
}

/**
 * A table whose rows are only ever added (events, outcomes): each stored row must equal its sealed
 * body, and every sealed row must be stored; rows still pending are left out of both.
 */
async function compareAppendOnly<Body>(
  table: 'events' | 'outcomes',
  stored: AsyncIterable<[id: string, body: string]>,
  sealedBodies: ReadonlyMap<string, string>,
  pending: PendingSubjects,
  name: (id: string, body: Body) => string,
): Promise<string[]> {
  const named = new Named(table);
  const seen = new Set<string>();
  for await (const [id, actual] of stored) {
    seen.add(id);
    if (pending.has(table, id)) continue;
    const sealed = sealedBodies.get(id);
    if (sealed === undefined) {
      named.push(
        `${name(id, JSON.parse(actual))}: stored, but never sealed (added behind the router's back?)`,
      );
    } else if (actual !== sealed) {
      named.push(
        `${name(id, JSON.parse(actual))}: ${differences(JSON.parse(actual), JSON.parse(sealed)).join('; ')}`,
      );
    }
  }
  for (const [id, sealed] of sealedBodies) {
    if (!seen.has(id) && !pending.has(table, id)) {
      named.push(`${name(id, JSON.parse(sealed))}: sealed, but missing (deleted behind the router's back?)`);
    }
  }
  return named.done();
}

/** `field is X, sealed as Y` for each field whose value differs (compared as JSON). */
function differences(actual: Record<string, unknown>, sealed: Record<string, unknown>): string[] {
  const fields = new Set([...Object.keys(sealed), ...Object.keys(actual)]);
  const out: string[] = [];
  for (const field of fields) {
    if (JSON.stringify(actual[field]) === JSON.stringify(sealed[field])) continue;
    out.push(`${field} is ${show(actual[field])}, sealed as ${show(sealed[field])}`);
  }
  return out;
}

/** A value for a one-line message: plain text as it is, anything else as JSON; long ones cut. */
function show(value: unknown): string {
  const text =
    typeof value === 'string' && /^[\p{L}\p{N} _.:@/-]*$/u.test(value)
      ? value
      : JSON.stringify(value ?? null);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
