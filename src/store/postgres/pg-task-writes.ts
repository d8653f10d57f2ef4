import type { NewTaskEvent, TaskEvent } from '../../events/task-event.js';
import { RouterError } from '../../kernel/errors.js';
import type { Bid, Decision, LoggedDecision } from '../../policy/decision.js';
import type { Task } from '../../tasks/task.js';
import type { BatchCounts, BatchedWrite, CommittedTaskChange, TaskChange } from '../store.js';
import { addBids, type QueuedBidInput } from './pg-bids.js';
import type { PgConnection } from './pg-connection.js';
import type { PgCounters } from './pg-counters.js';
import { commitDecisionBatch } from './pg-decision-batch.js';
import type { PgDecisionLog } from './pg-decision-log.js';
import type { PgKeys } from './pg-keys.js';
import type { LedgerSealer } from './pg-ledger-sealer.js';
import type { PgNotifications } from './pg-notifications.js';
import type { PgOutcomes } from './pg-outcomes.js';
import type { PgQueryable } from './pg-queryable.js';
import type { PgTaskEvents } from './pg-task-events.js';
import type { PgTasks } from './pg-tasks.js';
import { StatementBatcher } from './statement-batcher.js';

/** At most this many new tasks per statement. */
const CREATE_BATCH = 128;

/** At most this many bids per transaction. */
const BID_BATCH = 128;

/** At most this many auction decisions per transaction. */
const DECISION_BATCH = 64;

/**
 * How long a busy instance gathers auction decisions before it commits them (StatementBatcher
 * lingerMs): fewer, larger decision transactions, so fewer takings of the chain lock and less CPU a
 * task, for up to this much longer before a closing bid is answered, and only while decisions come
 * two or more a batch. Not for the timer sweep's decisions (TaskChange.byTimer), which come all at
 * once and are waited for together. Under bench:scale with 64 connections split, three instances
 * decided 844–992 tasks a second on the closing-bid path against 688–833 without it, with 0.39–0.56%
 * of their write transactions waiting instead of 0.93–1.05% (docs/BENCHMARKS.md).
 */
const DECISION_LINGER_MS = 10;

/**
 * For this long after one of its decision batches found the chain lock held, an instance commits its
 * decisions unflushed and flushes after (functions/commit_decisions_unflushed.sql): the lock is then
 * held for the function's writes alone, not also for the disk. An instance that never meets another's
 * decisions keeps one round trip per batch.
 */
const CONTENDED_FOR_MS = 1000;

/** A commitTask with an auction's decision, waiting to be appended with others. */
interface QueuedDecision {
  readonly change: TaskChange;
}

/** A batch refused for one item's input (translatePgError: text PostgreSQL cannot hold). */
const isBadInput = (error: unknown): boolean =>
  error instanceof RouterError && error.code === 'invalid_request';

/** What the task writes work with: the store's other parts. */
export interface PgTaskWritesParts {
  readonly connection: PgConnection;
  readonly keys: PgKeys;
  readonly tasks: PgTasks;
  readonly events: PgTaskEvents;
  readonly log: PgDecisionLog;
  readonly outcomes: PgOutcomes;
  readonly counters: PgCounters;
  readonly notifications: PgNotifications;
  readonly sealer: LedgerSealer;
  /** The advisory lock key of this schema's chain (pg-advisory-locks.ts chainLockKey). */
  readonly chainLock: number;
}

/**
 * The writes of tasks' lives on the PostgreSQL store: new tasks, bids and task changes. The auction
 * path's writes are each gathered while the previous batch of their kind is stored (StatementBatcher):
 * new tasks, one statement per batch, each task id once; bids, one call of add_bids per batch, each
 * (task, agent) once; auction decisions, one transaction per batch, under one acquisition of the chain
 * lock. The chain lock is held across round trips to this process, so how often it is taken bounds the
 * whole deployment's decisions a second (docs/BENCHMARKS.md); batching is what lifts that bound.
 * Every other task change is a transaction of its own that locks the task's row and checks its version.
 * Each commit is announced to the other instances, and its changes sealed into the ledger soon after.
 */
export class PgTaskWrites {
  readonly #parts: PgTaskWritesParts;
  /** When a decision batch of this instance last found the chain lock held (see CONTENDED_FOR_MS). */
  #chainWaitedMs = Number.NEGATIVE_INFINITY;
  readonly #creates: StatementBatcher<
    { readonly task: Task; readonly events: readonly NewTaskEvent[] },
    readonly TaskEvent[]
  >;
  readonly #bids: StatementBatcher<QueuedBidInput, CommittedTaskChange>;
  readonly #decisions: StatementBatcher<QueuedDecision, CommittedTaskChange | null>;

  constructor(parts: PgTaskWritesParts) {
    this.#parts = parts;
    const { connection, tasks } = parts;
    this.#creates = new StatementBatcher<
      { readonly task: Task; readonly events: readonly NewTaskEvent[] },
      readonly TaskEvent[]
    >({
      maxBatch: CREATE_BATCH,
      keyOf: (item) => item.task.taskId,
      isItemFault: isBadInput,
      store: (batch) =>
        connection.storing(async () => {
          connection.counts.transactions++;
          const answers = await tasks.createMany(connection.db, batch);
          if (answers.some((a) => !(a instanceof Error))) this.#committed();
          return answers;
        }),
    });
    this.#bids = new StatementBatcher<QueuedBidInput, CommittedTaskChange>({
      maxBatch: BID_BATCH,
      keyOf: (item) => `${item.taskId}\u0000${item.bid.agentId}`,
      isItemFault: isBadInput,
      store: (batch) =>
        connection.storing(async () => {
          connection.counts.transactions++;
          const answers = await addBids(connection.db, batch);
          if (answers.some((a) => !(a instanceof Error))) this.#committed();
          return answers.map((a) => (a instanceof Error ? a : { task: a.task, events: [a.event] }));
        }),
    });
    this.#decisions = new StatementBatcher<QueuedDecision, CommittedTaskChange | null>({
      maxBatch: DECISION_BATCH,
      lingerMs: DECISION_LINGER_MS,
      lingersFor: (item) => item.change.byTimer !== true,
      isItemFault: isBadInput,
      store: (batch) => connection.storing(() => this.#storeDecisions(batch)),
    });
  }

  /** The batches the auction path's writes were stored in (StoreContention.batched). */
  get batched(): Readonly<Record<BatchedWrite, BatchCounts>> {
    return { tasks: this.#creates.counts, bids: this.#bids.counts, decisions: this.#decisions.counts };
  }

  /** Stored with the others that arrive meanwhile, in one statement. */
  createTask(task: Task, events: readonly NewTaskEvent[]): Promise<readonly TaskEvent[]> {
    return this.#creates.submit({ task, events });
  }

  /** Stored with the others that arrive meanwhile, in one call of add_bids. */
  addBid(taskId: string, bid: Bid, atMs: number, event: NewTaskEvent): Promise<CommittedTaskChange> {
    return this.#bids.submit({ taskId, bid, atMs, event });
  }

  /** Store.commitTask; null when the task has moved past `change.expectedVersion`. */
  async commit(change: TaskChange): Promise<CommittedTaskChange | null> {
    const { connection, tasks, events, log, outcomes } = this.#parts;
    if (change.decision !== undefined && change.outcome === undefined) {
      // An auction's decision: queued, and appended with the others that arrive meanwhile under one
      // acquisition of the chain lock (see #decisions).
      await log.intern([change.decision]);
      return this.#decisions.submit({ change });
    }
    if (change.decision !== undefined) await log.intern([change.decision]);
    const committed = await connection.transaction(async (client) => {
      // The row lock is the auction's: whoever holds it decides, the others find a new version.
      const version = await tasks.lockVersion(client, change.task.taskId, connection.waited);
      if (version !== change.expectedVersion) {
        connection.counts.versionConflicts++;
        return null;
      }
      const outcome =
        change.outcome === undefined
          ? undefined
          : await outcomes.appendIn(client, change.outcome, change.task.updatedMs);
      let task = change.task;
      let decision: LoggedDecision | undefined;
      if (change.decision !== undefined) {
        decision = (await log.appendIn(client, [change.decision]))[0] as LoggedDecision;
        task = { ...task, decisionSeq: decision.seq };
      }
      await tasks.update(client, task, change.expectedVersion);
      const stored = await events.append(client, change.events(task));
      return {
        task,
        events: stored,
        ...(decision === undefined ? {} : { decision }),
        ...(outcome === undefined ? {} : { outcome }),
      };
    });
    if (committed !== null && committed.events.length > 0) this.#parts.notifications.announce();
    if (committed !== null) this.#parts.sealer.soon();
    return committed;
  }

  /** One batch of #decisions. */
  async #storeDecisions(batch: readonly QueuedDecision[]): Promise<(CommittedTaskChange | null)[]> {
    const { connection, keys, counters, chainLock } = this.#parts;
    const changes = batch.map((item) => item.change);
    // Sealed inside PostgreSQL, in one statement (pg-decision-batch.ts).
    const contended = Date.now() - this.#chainWaitedMs < CONTENDED_FOR_MS;
    const done = await commitDecisionBatch(connection.db, keys, changes, chainLock, contended);
    let results: (CommittedTaskChange | null)[];
    if (done !== undefined) {
      connection.counts.transactions += done.transactions;
      if (done.chainWaits > 0) {
        this.#chainWaitedMs = Date.now();
        connection.batchWaited(batch.length, done.chainWaits);
      }
      connection.counts.versionConflicts += done.results.filter((r) => r === null).length;
      results = done.results;
      if (results.some((r) => r !== null)) counters.foldSoon(); // the slower way: in log.appendIn
    } else {
      // Events that write the seq into a text (pg-decision-batch.ts says which): sealed
      // here, under the lock, round trip by round trip.
      results = await connection.transaction((client) => this.#commitDecisions(client, batch));
    }
    if (results.some((r) => r !== null)) this.#committed();
    return results;
  }

  /** One batch of #decisions inside `client`'s transaction; null for a change that lost its race. */
  async #commitDecisions(
    client: PgQueryable,
    batch: readonly QueuedDecision[],
  ): Promise<(CommittedTaskChange | null)[]> {
    const { connection, tasks, events, log } = this.#parts;
    const versions = await tasks.lockVersions(
      client,
      batch.map((item) => item.change.task.taskId),
    );
    // The first change of a task computed from its stored version wins; any other is stale.
    const taken = new Set<string>();
    const winners: number[] = []; // positions in the batch
    const results: (CommittedTaskChange | null)[] = batch.map((item, position) => {
      const { taskId } = item.change.task;
      if (versions.get(taskId) !== item.change.expectedVersion || taken.has(taskId)) {
        connection.counts.versionConflicts++;
      } else {
        taken.add(taskId);
        winners.push(position);
      }
      return null;
    });
    if (winners.length === 0) return results;
    const won = winners.map((position) => batch[position] as QueuedDecision);
    const logged = await log.appendIn(
      client,
      won.map((w) => w.change.decision as Decision),
    );
    const decided = won.map((w, i) => ({ ...w.change.task, decisionSeq: (logged[i] as LoggedDecision).seq }));
    await tasks.updateMany(
      client,
      decided,
      won.map((w) => w.change.expectedVersion),
    );
    const eventLists = won.map((w, i) => w.change.events(decided[i] as Task));
    const stored = await events.append(client, eventLists.flat());
    let at = 0;
    winners.forEach((position, i) => {
      const own = stored.slice(at, at + (eventLists[i] as NewTaskEvent[]).length);
      at += own.length;
      results[position] = { task: decided[i] as Task, events: own, decision: logged[i] as LoggedDecision };
    });
    return results;
  }

  /** A batch committed something: the other instances are told, and its changes sealed soon. */
  #committed(): void {
    this.#parts.notifications.announce();
    this.#parts.sealer.soon();
  }
}
