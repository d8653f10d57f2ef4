import type { Clock } from '../kernel/clock.js';
import type { Store } from '../store/store.js';
import type { Task } from '../tasks/task.js';

/** Due tasks handled per store query. */
const DUE_BATCH = 100;
/**
 * Due tasks handled at once within a sweep: as many as one decision batch of the PostgreSQL store
 * carries. With one instance sweeping for all (the sweep lease), 16 at a time left bursts of due
 * tasks queued behind each other's commits (bench:scale, window end p99 117–150 ms against 84–100).
 */
const SWEEP_TOGETHER = 64;

export interface DueTaskTimerOptions {
  readonly store: Pick<Store, 'dueTasks' | 'releaseDueTasks' | 'nextDueMs' | 'shared'>;
  readonly clock: Clock;
  /** How often to look for due tasks when none is known sooner, ms. */
  readonly idlePollMs: number;
  /** Handles one due task (closes its auction, times its reservation out, expires it). */
  readonly handleDue: (task: Task, nowMs: number) => Promise<void>;
}

/**
 * The timers of the task lifecycle: finds the tasks whose time has come (auction windows,
 * reservations, deadlines) in the store, at their due time and at least every idlePollMs, and hands
 * each to the lifecycle (TaskService), many at a time so that their commits share a transaction.
 */
export class DueTaskTimer {
  readonly #store: DueTaskTimerOptions['store'];
  readonly #clock: Clock;
  readonly #idlePollMs: number;
  readonly #handleDue: DueTaskTimerOptions['handleDue'];
  #timer: NodeJS.Timeout | undefined;
  #timerAtMs = Number.POSITIVE_INFINITY;
  #running = false;
  #stopped = false;
  #sweep: Promise<void> = Promise.resolve();
  /** Due tasks being handled, by id, until they are stored (the timer's sweeps do not wait for them). */
  readonly #handling = new Map<string, Promise<void>>();

  constructor(options: DueTaskTimerOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#idlePollMs = options.idlePollMs;
    this.#handleDue = options.handleDue;
  }

  /**
   * Handles every task whose time has come (auction windows, reservations, deadlines) as of now; the
   * timer calls it, and so may tests with a fake clock. Resolves once they are all committed — all
   * but a task whose row another transaction holds at that moment (on PostgreSQL the claim skips
   * locked rows): it stays due, and the timer's next check, which follows at once, takes it.
   */
  runDue(): Promise<void> {
    return this.#sweepInTurn(true);
  }

  /**
   * One sweep at a time: a second caller waits for the running one, then sweeps again. On a store
   * that claims due tasks the timer's sweeps (`untilCommitted` false) do not wait for their last
   * commits: the next sweep may claim while they are stored, so that one instance sweeping every due
   * task (the sweep lease on PostgreSQL) keeps up as several taking turns did (bench:scale,
   * docs/BENCHMARKS.md).
   */
  #sweepInTurn(untilCommitted: boolean): Promise<void> {
    const sweep = this.#sweep.then(async () => {
      await this.#sweepDue(untilCommitted);
      // Until committed: what the timer's sweeps left in flight too.
      if (untilCommitted) await Promise.all(this.#handling.values());
    });
    // The caller sees this sweep's failure; the next sweep runs regardless (a store unavailable for
    // a moment must not stop the timers for good).
    this.#sweep = sweep.catch(() => undefined);
    return sweep;
  }

  /** Starts the timer: due tasks are handled at their time (and at least every idlePollMs). */
  start(): void {
    this.#running = true;
    this.schedule(this.#clock.now());
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#sweep;
    await Promise.all(this.#handling.values());
  }

  async #sweepDue(untilCommitted: boolean): Promise<void> {
    for (;;) {
      const now = this.#clock.now();
      const due = await this.#store.dueTasks(now, DUE_BATCH);
      // What an earlier sweep is still storing is its own (a store without claims finds it again).
      const fresh = due.filter((task) => !this.#handling.has(task.taskId));
      // Many at a time rather than one by one: their commits can then share a transaction (the write
      // batch on SQLite, the decision batch on PostgreSQL) instead of queueing behind each other.
      for (let start = 0; start < fresh.length; start += SWEEP_TOGETHER) {
        // Stopping (SIGTERM) does not wait for a backlog: what is left is given back, due again at the
        // next start (or at once for another instance).
        if (this.#stopped) {
          await this.#store.releaseDueTasks(fresh.slice(start).map((t) => t.taskId));
          return;
        }
        const handled = Promise.all(
          fresh.slice(start, start + SWEEP_TOGETHER).map((task) => this.#handle(task, now)),
        );
        if (untilCommitted || start + SWEEP_TOGETHER < fresh.length) await handled;
        else handled.catch(() => undefined); // the timer's next check tries again
      }
      if (due.length < DUE_BATCH) return;
      if (fresh.length === 0) await Promise.all(this.#handling.values()); // only what is in hand: let it land
    }
  }

  /** Handles a due task, kept in #handling until it is stored; its failure is the caller's to see. */
  #handle(task: Task, now: number): Promise<void> {
    const handled = this.#handleDue(task, now).finally(() => this.#handling.delete(task.taskId));
    this.#handling.set(
      task.taskId,
      handled.catch(() => undefined), // the timer's next check tries again
    );
    return handled;
  }

  /** Makes sure the timer fires by `atMs` (and by the idle poll at the latest). */
  schedule(atMs: number): void {
    if (!this.#running || this.#stopped) return;
    const now = this.#clock.now();
    const at = Math.min(atMs, now + this.#idlePollMs);
    if (this.#timer !== undefined && this.#timerAtMs <= at) return;
    clearTimeout(this.#timer);
    this.#timerAtMs = at;
    this.#timer = setTimeout(() => void this.#fire(), Math.max(0, at - now));
  }

  async #fire(): Promise<void> {
    this.#timer = undefined;
    this.#timerAtMs = Number.POSITIVE_INFINITY;
    try {
      // Only where due tasks are claimed may a sweep leave its last commits in flight: elsewhere the
      // next check would find them due still, and again, until they landed.
      await this.#sweepInTurn(this.#store.shared === undefined);
    } catch {
      // The store is unavailable or closing: the next tick tries again.
    }
    if (!this.#running) return;
    let next: number | null = null;
    try {
      next = await this.#store.nextDueMs();
    } catch {
      next = null;
    }
    this.schedule(next ?? Number.POSITIVE_INFINITY);
  }
}
