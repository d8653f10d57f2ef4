import * as crypto from 'node:crypto';
import type { TaskEvent } from '../events/task-event.js';
import type { AgentManifest } from '../manifest/manifest.js';
import type { RecordedOutcome } from '../policy/outcome.js';
import type { Task } from '../tasks/task.js';

/** One sealed change, as the ledger table holds it. */
export interface LedgerEntry {
  /** Position in the ledger, from 1, gap-free. */
  readonly entrySeq: number;
  readonly kind: string;
  /** What it is about: an agent id, a task id, an event id or an outcome seq, as text. */
  readonly subject: string;
  /** The canonical body (ledger-entry.ts): the row as written. */
  readonly body: string;
  /** The decision chain's head when it was sealed: its seq (0 for none) and hash, hex. */
  readonly anchorSeq: number;
  readonly anchorHash: string;
  /** Hex. */
  readonly hash: string;
}

/** What the ledger seals of a registered agent (store.ts StoredAgent but its heartbeat). */
export interface SealedAgent {
  readonly manifest: AgentManifest;
  /** SHA-256 of the agent's token, hex; null for agents registered without one. */
  readonly tokenHash: string | null;
  readonly registeredAtMs: number;
}

/**
 * The ledger: a second hash chain, beside the decisions' (hash-chain.ts), of every change to the rows
 * that routing reads but a decision record does not hold — agents (manifest, token hash), tasks and
 * their bids, task events and outcomes (outcomes move the success rates the router learns).
 *
 * Each entry is one row as it was written: its kind, its subject (the row's key) and a canonical
 * body, the row's columns as JSON in a fixed key order. Its hash is SHA-256 over the previous entry's
 * hash and all of that, and over the decision chain's head when it was sealed (the anchor): so the
 * two chains vouch for each other, and rewriting either means rewriting both. `verify` walks the
 * ledger, checks each anchor against the decision chain, replays the entries into what each table
 * must hold and names every row that differs, is missing, or is there without having been sealed.
 *
 * Not sealed, on purpose: an agent's last heartbeat (written at every heartbeat, by far the most
 * frequent write; it moves an agent between online and offline and nothing else, and every bid
 * refused because its agent was offline says so in its decision, which is sealed); claims and due
 * times, which only say when to look at a task again (tasks/task.ts dueMs derives the due time from
 * sealed columns); and what the decision chain already covers or `verify` recomputes (decisions,
 * their bids and rosters, agent counters and loads).
 *
 * Bodies are built here and only here, from the domain values the store reads back (Task, TaskEvent,
 * RecordedOutcome, SealedAgent), so a row sealed on write and the same row read by `verify` have the
 * same body on every engine.
 */

/** Names the format of the hashed text; bumped if it ever changes. */
export const LEDGER_FORMAT = 'swarm-router/ledger/1';

/**
 * The kinds of entry. `origin` is the first entry of every ledger: written when sealing began (the
 * migration that added the ledger), it counts the rows an older version had written, which are
 * sealed as found right after it (their history before that is unsealed).
 */
export const LEDGER_KINDS = ['origin', 'agent', 'agent_removed', 'task', 'bid', 'event', 'outcome'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** An entry before the store numbered, anchored and hashed it. */
export interface NewLedgerEntry {
  readonly kind: LedgerKind;
  readonly subject: string;
  readonly body: string;
}

/** How many rows of each table an older version had written when sealing began. */
export interface Adopted {
  readonly agents: number;
  readonly tasks: number;
  readonly events: number;
  readonly outcomes: number;
}

/** A registration or an update: the agent row but its heartbeat. */
export function agentEntry(agent: SealedAgent): NewLedgerEntry {
  return {
    kind: 'agent',
    subject: agent.manifest.agentId,
    // Hex as the store reads it back (lower case), whatever case it was given in.
    body: canonicalJson({
      manifest: agent.manifest,
      token_hash: agent.tokenHash === null ? null : Buffer.from(agent.tokenHash, 'hex').toString('hex'),
      registered_ms: agent.registeredAtMs,
    }),
  };
}

export function agentRemovedEntry(agentId: string): NewLedgerEntry {
  return { kind: 'agent_removed', subject: agentId, body: '{}' };
}

/**
 * A task as committed, with the bids it holds then. Its bids also get an entry each as they arrive
 * (bidEntry): a bid changes only the bids, the version (+1) and updated_ms, so sealing the whole task
 * per bid would cost its bid count each time.
 */
export function taskEntry(task: Task): NewLedgerEntry {
  return {
    kind: 'task',
    subject: task.taskId,
    body: canonicalJson({
      description: task.description,
      constraints: task.constraints,
      status: task.status,
      created_ms: task.createdMs,
      closes_ms: task.closesMs,
      deadline_ms: task.deadlineMs,
      decision_seq: task.decisionSeq,
      candidates: task.candidates,
      offer_index: task.offerIndex,
      assigned_agent: task.assignedAgent,
      reserved_until_ms: task.reservedUntilMs,
      failures: task.failures,
      version: task.version,
      updated_ms: task.updatedMs,
      bids: task.bids.map((b) => [b.agentId, b.bidSats]),
    }),
  };
}

/** The bid at `index` (arrival order, from 0) of a task, received at `atMs`. */
export function bidEntry(
  taskId: string,
  index: number,
  bid: { readonly agentId: string; readonly bidSats: number },
  atMs: number,
): NewLedgerEntry {
  return {
    kind: 'bid',
    subject: taskId,
    body: canonicalJson({ index, agent_id: bid.agentId, bid_sats: bid.bidSats, at_ms: atMs }),
  };
}

export function eventEntry(event: TaskEvent): NewLedgerEntry {
  return {
    kind: 'event',
    subject: String(event.eventId),
    body: canonicalJson({
      kind: event.kind,
      task_id: event.taskId,
      agent_id: event.agentId,
      at_ms: event.atMs,
      data: event.data,
    }),
  };
}

export function outcomeEntry(outcome: RecordedOutcome): NewLedgerEntry {
  return {
    kind: 'outcome',
    subject: String(outcome.outcomeSeq),
    body: canonicalJson({
      decision_seq: outcome.seq,
      agent_id: outcome.agentId,
      status: outcome.status,
      duration_ms: outcome.durationMs ?? null,
      recorded_ms: outcome.recordedAtMs,
      // Only outcomes with a result have the field: those sealed before results existed read as sealed.
      ...(outcome.result === undefined ? {} : { result: outcome.result }),
    }),
  };
}

export function originEntry(adopted: Adopted): NewLedgerEntry {
  return {
    kind: 'origin',
    subject: '',
    body: canonicalJson({
      adopted: {
        agents: adopted.agents,
        tasks: adopted.tasks,
        events: adopted.events,
        outcomes: adopted.outcomes,
      },
    }),
  };
}

const frame = (value: string): string => `${value.length}:${value}`;

/**
 * JSON.stringify, with every string as UTF-8 reads it back: the stores keep text as UTF-8, where a
 * lone surrogate reads back as U+FFFD, so a body built from a value as written and one built from the
 * same value as read back are the same text. Strings without surrogates are left as they are.
 */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' && SURROGATE.test(v) ? Buffer.from(v, 'utf8').toString('utf8') : v,
  );
}

const SURROGATE = /[\ud800-\udfff]/;

/**
 * The hash of entry `entrySeq`: SHA-256, hex, over the previous entry's hash (hex; GENESIS_HASH for
 * the first), a newline, the format name and a newline, then entrySeq, kind, subject and the
 * anchor's seq, each framed as `<UTF-16 length>:<text>`, the anchor's hash (hex), a newline and the
 * body, all as UTF-8 (as the stores keep text: a lone surrogate becomes U+FFFD on both paths).
 */
export function sealEntry(
  prevHash: string,
  entrySeq: number,
  anchor: { readonly seq: number; readonly hash: string },
  entry: NewLedgerEntry,
): string {
  const text =
    `${prevHash}\n${LEDGER_FORMAT}\n${frame(String(entrySeq))}${frame(entry.kind)}${frame(entry.subject)}` +
    `${frame(String(anchor.seq))}${anchor.hash}\n${entry.body}`;
  return oneShotHash === undefined
    ? crypto.createHash('sha256').update(text, 'utf8').digest('hex')
    : oneShotHash('sha256', text, 'hex');
}

/** One-shot SHA-256 (`crypto.hash`, Node ≥ 20.12; strings as UTF-8), as hash-chain.ts seals records. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Whether a stored entry's hash is what its content and predecessor make it. */
export function entryMatches(prevHash: string, entry: LedgerEntry): boolean {
  return (
    sealEntry(
      prevHash,
      entry.entrySeq,
      { seq: entry.anchorSeq, hash: entry.anchorHash },
      { kind: entry.kind as LedgerKind, subject: entry.subject, body: entry.body },
    ) === entry.hash
  );
}
