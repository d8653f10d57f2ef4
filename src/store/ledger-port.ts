import type { LedgerEntry, SealedAgent } from '../chain/ledger-entry.js';
import type { TaskEvent } from '../events/task-event.js';
import type { RecordedOutcome } from '../policy/outcome.js';
import type { Task } from '../tasks/task.js';

export type { LedgerEntry, SealedAgent } from '../chain/ledger-entry.js';

/**
 * The part of the storage port that the ledger of row changes needs (chain/ledger-entry.ts explains
 * the ledger). Each adapter seals every change of the rows that routing reads — agents, tasks and
 * their bids, task events, outcomes — as it writes them, and gives `verify` one consistent view of
 * the ledger and of those rows.
 */
export interface LedgerStore {
  /**
   * Runs `read` on one consistent snapshot of the ledger and the sealed tables (a change committed
   * meanwhile is in all of them or in none), and resolves to what it resolves to. Read-only.
   */
  readAudit<T>(read: (view: AuditView) => Promise<T>): Promise<T>;
}

/** A change committed but not sealed yet (stores that seal after commit): what it is about. */
export interface PendingLedgerRef {
  readonly kind: string;
  readonly subject: string;
}

/** What `verify` reads, in one snapshot (LedgerStore.readAudit). Each iterable may be read once. */
export interface AuditView {
  /** The ledger, in entry order. */
  ledger(): AsyncIterable<LedgerEntry>;
  /** Changes committed but not sealed yet; none where every change is sealed as it commits. */
  pending(): AsyncIterable<PendingLedgerRef>;
  /** Every stored agent. */
  agents(): AsyncIterable<SealedAgent>;
  /** Every task with its bids, as getTask reads it. */
  tasks(): AsyncIterable<Task>;
  /** Every task event, in id order, however the ids are spaced. */
  events(): AsyncIterable<TaskEvent>;
  /** Every outcome, in recording order. */
  outcomes(): AsyncIterable<RecordedOutcome>;
}
