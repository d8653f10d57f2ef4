import type { Context } from '@opentelemetry/api';
import type { EventBus } from '../events/event-bus.js';
import type { NewTaskEvent } from '../events/task-event.js';
import type { Clock } from '../kernel/clock.js';
import { RouterError } from '../kernel/errors.js';
import type { Decision } from '../policy/decision.js';
import { rankCandidates } from '../policy/explain.js';
import type { RouteConstraints } from '../policy/filters.js';
import type { OutcomeReport, OutcomeResult } from '../policy/outcome.js';
import type { Router } from '../router/router.js';
import type { CommittedTaskChange, Store, TaskPage, TaskQuery } from '../store/store.js';
import { auctionClosed } from '../store/task-rows.js';
import {
  accept,
  closeAuction,
  complete,
  dueAction,
  dueMs,
  expire,
  fail,
  isFinal,
  passOn,
  reject,
  requireLegal,
  type Task,
} from '../tasks/task.js';
import { DecisionTraces } from '../telemetry/decision-spans.js';
import { AgentLoads, holds } from './agent-loads.js';
import { DueTaskTimer } from './due-task-timer.js';
import { event, offerEvents } from './lifecycle-events.js';
import { OpenAuctions } from './open-auctions.js';
import { everyEligibleHasBid, offerableNow, postedTask } from './posted-task.js';
import {
  checkedSettings,
  DEFAULT_TASK_SETTINGS,
  invalid,
  type PostTaskInput,
  type TaskServiceSettings,
} from './task-types.js';

export type { PostTaskInput, TaskServiceSettings } from './task-types.js';

export interface TaskServiceOptions {
  readonly router: Router;
  readonly store: Store;
  readonly clock: Clock;
  readonly events: EventBus;
  readonly settings?: Partial<TaskServiceSettings>;
  /**
   * The bids the router makes for agents that do not bid themselves (house-bids.ts), placed as soon
   * as a task is posted, before the auction may close.
   */
  readonly houseBids?: (
    description: string,
    constraints: RouteConstraints,
  ) => readonly { readonly agentId: string; readonly bidSats: number }[];
}

/** One prepared change: the new state and what is committed with it (Store.commitTask). */
interface Prepared {
  readonly task: Task;
  readonly decision?: Decision;
  readonly outcome?: OutcomeReport;
  readonly events: (committed: Task) => readonly NewTaskEvent[];
  readonly byTimer?: boolean;
  /** Runs once the change is committed, before anyone is told of it (its spans: telemetry/). */
  readonly committed?: (committed: Task) => void;
}

/** Why a bid the router makes for an agent may be refused, as any bid may: skipped, not failed. */
const HOUSE_BID_REFUSALS = new Set(['not_eligible', 'wrong_state', 'unknown_agent', 'duplicate_bid']);

/** A read-compute-commit that lost a race is retried from a fresh read this many times. */
const MAX_RETRIES = 8;

/**
 * The task lifecycle of the service (tasks/task.ts is its pure state machine): posting, sealed bids,
 * closing auctions through the router's policy, reservations, accepts, outcomes, retries, deadlines.
 * All state is in the store; every change is one commit (state, decision, outcome, events), checked
 * against the version it was computed from, so a timer and a request racing for one task cannot both
 * win. Events go to the bus only after their commit: the decision is logged before anyone is told.
 */
export class TaskService {
  readonly #router: Router;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #events: EventBus;
  readonly settings: TaskServiceSettings;
  readonly #loads: AgentLoads;
  readonly #auctions = new OpenAuctions();
  readonly #timer: DueTaskTimer;
  /** Shared stores only: the newest outcome learned, and those this instance learned itself since. */
  #outcomeCursor: number | undefined;
  readonly #learnedHere = new Set<number>();
  readonly #houseBids: TaskServiceOptions['houseBids'];
  /** The decision span of each task in progress, when traces are recorded (docs/http-api.md, "Traces"). */
  readonly #traces = new DecisionTraces();

  private constructor(options: TaskServiceOptions, settings: TaskServiceSettings) {
    this.#router = options.router;
    this.#store = options.store;
    this.#clock = options.clock;
    this.#events = options.events;
    this.#loads = new AgentLoads(options.router);
    this.#houseBids = options.houseBids;
    this.settings = settings;
    this.#timer = new DueTaskTimer({
      store: options.store,
      clock: options.clock,
      idlePollMs: settings.idlePollMs,
      handleDue: (task, now) => this.#handleDue(task, now),
    });
  }

  /** Reads what the store holds (each agent's tasks, open auctions) and tells the router the loads. */
  static async open(options: TaskServiceOptions): Promise<TaskService> {
    const settings = checkedSettings({ ...DEFAULT_TASK_SETTINGS, ...options.settings });
    const service = new TaskService(options, settings);
    await service.#readCounts();
    // On a store that other instances share, their outcomes are learned as they come (syncFromStore);
    // the router has already replayed everything up to now.
    if (options.store.shared !== undefined) service.#outcomeCursor = await options.store.lastOutcomeSeq();
    return service;
  }

  /**
   * Catches up with what other instances on the same store committed: every agent's load and the
   * number of open auctions are read again, the outcomes they recorded are learned, and the timer is
   * set for the next due task, whichever instance posted it (timers are claimed from the store, so
   * only one instance handles each).
   */
  async syncFromStore(): Promise<void> {
    if (this.#outcomeCursor === undefined) return; // a store of this process alone: nothing to catch up
    await this.#readCounts();
    for await (const outcome of this.#store.streamOutcomes(this.#outcomeCursor)) {
      this.#outcomeCursor = outcome.outcomeSeq;
      if (this.#learnedHere.delete(outcome.outcomeSeq)) continue;
      this.#router.learnOutcome(outcome);
    }
    const next = await this.#store.nextDueMs();
    if (next !== null) this.#timer.schedule(next);
  }

  /** Each agent's tasks in hand and the open auctions, as stored. */
  async #readCounts(): Promise<void> {
    await this.#loads.reread(() => this.#store.inFlightByAgent());
    // Every catch-up on a shared store runs this: an index read, not a count of every task by status.
    this.#auctions.count = await this.#store.countOpenTasks();
  }

  get openAuctions(): number {
    return this.#auctions.count;
  }

  /** Tasks the agent holds now (offered to it or accepted). */
  inFlightOf(agentId: string): number {
    return this.#loads.of(agentId);
  }

  /**
   * The trace context of the task's decision span, while the task runs and traces are recorded: what
   * is done for the task on another call stack (a dispatch to its agent) is traced as its child.
   */
  traceContextOf(taskId: string): Context | undefined {
    return this.#traces.contextOf(taskId);
  }

  async post(input: PostTaskInput): Promise<Task> {
    const { task, constraints, posted } = postedTask(input, this.#clock.now(), this.settings);
    const events = await this.#store.createTask(task, [posted]);
    this.#auctions.opened(task.taskId, { constraints, closesMs: task.closesMs });
    this.#events.committed(events);
    this.#timer.schedule(task.closesMs);
    let latest = task;
    // Every one of them before the auction may close: the first must not end it for the others.
    for (const bid of this.#houseBids?.(task.description, constraints) ?? []) {
      try {
        latest = await this.#addBid(task.taskId, bid.agentId, bid.bidSats);
      } catch (error) {
        // Refused as any bidder would be (offline, at capacity, above the task's price): not a failure.
        if (!(error instanceof RouterError && HOUSE_BID_REFUSALS.has(error.code))) throw error;
      }
    }
    // Nobody (else) can bid: decide at once rather than wait for the window.
    if (everyEligibleHasBid(latest, this.#router))
      return (await this.#closeNow(latest.taskId, latest)) ?? latest;
    return latest;
  }

  /**
   * A sealed bid: `unknown_agent` (404) for an agent that is not registered, `not_eligible` (422)
   * with the policy's reason, `wrong_state` (409) once the auction closed, `duplicate_bid` for a
   * second bid. The auction closes at once when this was the last eligible agent's bid.
   */
  async bid(taskId: string, agentId: string, bidSats: number): Promise<Task> {
    const task = await this.#addBid(taskId, agentId, bidSats);
    if (everyEligibleHasBid(task, this.#router)) return (await this.#closeNow(taskId, task)) ?? task;
    return task;
  }

  /** A sealed bid checked and stored, the auction left open (bid closes it when it was the last). */
  async #addBid(taskId: string, agentId: string, bidSats: number): Promise<Task> {
    if (!Number.isSafeInteger(bidSats) || bidSats < 0) {
      throw invalid('bid_sats', `must be an integer ≥ 0, got ${String(bidSats)}`);
    }
    if (!this.#router.registry.has(agentId)) {
      throw new RouterError('unknown_agent', `agent '${agentId}' is not registered`, {
        details: { agentId },
      });
    }
    let auction = this.#auctions.factsOf(taskId);
    if (auction === undefined) {
      const current = await this.get(taskId);
      requireLegal(current, 'bid');
      auction = { constraints: current.constraints, closesMs: current.closesMs };
      this.#auctions.remember(taskId, auction);
    }
    const { constraints } = auction;
    const refusal = this.#router.refusalOf(agentId, bidSats, constraints);
    if (refusal !== null) {
      throw new RouterError(
        'not_eligible',
        `agent '${agentId}' cannot bid on task ${taskId}: agents that ${refusal} are refused`,
        { details: { taskId, agentId, reason: refusal } },
      );
    }
    const now = this.#clock.now();
    // The store refuses it alike, but only under the task's row lock, which the closer deciding
    // the auction at its window's end holds: a late bid would wait for it, and every bid batched
    // with it too (bench:scale, docs/BENCHMARKS.md).
    if (now >= auction.closesMs) throw auctionClosed(taskId, 'open');
    const committed = await this.#store.addBid(taskId, { agentId, bidSats }, now, {
      kind: 'bid:received',
      taskId,
      agentId,
      atMs: now,
      data: { bidSats },
    });
    this.#events.committed(committed.events);
    return committed.task;
  }

  async accept(taskId: string, agentId: string): Promise<Task> {
    return this.#apply(taskId, undefined, (task, now) => {
      const next = accept(task, agentId, now);
      return { task: next, events: () => [event('task:accepted', next, agentId, now, {})] };
    });
  }

  async reject(taskId: string, agentId: string): Promise<Task> {
    return this.#apply(taskId, undefined, (task, now) => {
      const next = reject(task, agentId, now, this.settings, offerableNow(task, this.#router, this.#loads));
      return {
        task: next,
        events: () => [event('task:rejected', task, agentId, now, {}), ...offerEvents(next, now)],
      };
    });
  }

  async complete(
    taskId: string,
    agentId: string,
    durationMs?: number,
    result?: OutcomeResult,
  ): Promise<Task> {
    return this.#finish(taskId, agentId, 'completed', durationMs, result);
  }

  async fail(taskId: string, agentId: string, durationMs?: number, result?: OutcomeResult): Promise<Task> {
    return this.#finish(taskId, agentId, 'failed', durationMs, result);
  }

  /**
   * What the agent that finished the task handed back with its outcome: for a completed task, its
   * result; for a failed one, the last attempt's. Undefined while the task runs, or when none was given.
   */
  async resultOf(task: Task): Promise<OutcomeResult | undefined> {
    if ((task.status !== 'completed' && task.status !== 'failed') || task.decisionSeq === null)
      return undefined;
    const agentId = task.assignedAgent ?? task.candidates[task.offerIndex];
    return agentId === undefined ? undefined : this.#store.outcomeResult(task.decisionSeq, agentId);
  }

  async get(taskId: string): Promise<Task> {
    const task = await this.#store.getTask(taskId);
    if (task === undefined) {
      throw new RouterError('unknown_task', `no task has id ${taskId}`, { details: { taskId } });
    }
    return task;
  }

  list(query: TaskQuery): Promise<TaskPage> {
    return this.#store.listTasks(query);
  }

  /**
   * Handles every task whose time has come (auction windows, reservations, deadlines) as of now; the
   * timer calls it, and so may tests with a fake clock (DueTaskTimer.runDue).
   */
  runDue(): Promise<void> {
    return this.#timer.runDue();
  }

  /** Starts the timer: due tasks are handled at their time (and at least every idlePollMs). */
  start(): void {
    this.#timer.start();
  }

  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void> {
    return this.#timer.stop();
  }

  async #handleDue(task: Task, now: number): Promise<void> {
    const action = dueAction(task, now);
    try {
      if (action === 'close') await this.#closeNow(task.taskId, task, true);
      else if (action === 'timeout') await this.#timeout(task);
      else if (action === 'expire') await this.#expire(task);
    } catch (error) {
      // Another writer moved the task on (a request raced the timer): nothing left to do here.
      if (!(error instanceof RouterError && error.code === 'wrong_state')) throw error;
    }
  }

  /**
   * `known`: the task as just read or written, saving a read; a stale one only costs a retry.
   * `byTimer`: closed by the sweep at its window's end (TaskChange.byTimer).
   */
  async #closeNow(taskId: string, known?: Task, byTimer = false): Promise<Task | undefined> {
    const startTime = performance.now();
    try {
      return await this.#apply(taskId, known, (task, now) => {
        requireLegal(task, 'close');
        // A bidder deregistered since its bid cannot be scored any more; its bid is left out.
        const bids = task.bids.filter((b) => this.#router.registry.has(b.agentId));
        const decision = this.#router.decide({
          taskId: task.taskId,
          description: task.description,
          bids,
          ...task.constraints,
        });
        const candidates =
          decision.selectedAgent === null
            ? []
            : rankCandidates(decision)
                .filter((c) => c.rejection === null)
                .map((c) => c.agentId);
        const next = closeAuction(task, candidates, now, this.settings);
        return {
          task: next,
          decision,
          ...(byTimer ? { byTimer } : {}),
          committed: (committed) =>
            this.#traces.decided({
              decision,
              seq: committed.decisionSeq,
              manifestOf: (agentId) => this.#router.registry.get(agentId),
              startTime,
            }),
          events: (committed) => [
            event('task:decided', committed, decision.selectedAgent, now, {
              decisionSeq: committed.decisionSeq,
              selectedAgent: decision.selectedAgent,
              reason: decision.selectionReason,
              bids: bids.length,
              // When the window was due to end: with atMs, how late a window's end was decided.
              closesMs: task.closesMs,
            }),
            ...offerEvents(committed, now, decision.selectionReason),
          ],
        };
      });
    } catch (error) {
      // Closed already (the last bid and the window's end raced): the other closer decided.
      if (error instanceof RouterError && error.code === 'wrong_state') return undefined;
      this.#traces.failed(taskId, startTime, error);
      throw error;
    }
  }

  /** `due`: the task as the sweep read it (a stale one only costs a retry). */
  #timeout(due: Task): Promise<Task> {
    return this.#apply(due.taskId, due, (task, now) => {
      const next = passOn(task, 'timeout', now, this.settings, offerableNow(task, this.#router, this.#loads));
      return {
        task: next,
        events: () => [
          event('reservation:expired', task, task.assignedAgent, now, {}),
          ...offerEvents(next, now),
        ],
      };
    });
  }

  #expire(due: Task): Promise<Task> {
    return this.#apply(due.taskId, due, (task, now) => {
      const next = expire(task, now);
      return {
        task: next,
        events: () => [event('task:expired', next, task.assignedAgent, now, { was: task.status })],
      };
    });
  }

  #finish(
    taskId: string,
    agentId: string,
    status: 'completed' | 'failed',
    durationMs?: number,
    result?: OutcomeResult,
  ): Promise<Task> {
    if (durationMs !== undefined && !(Number.isFinite(durationMs) && durationMs >= 0)) {
      throw invalid('duration_ms', `must be a number of milliseconds ≥ 0, got ${String(durationMs)}`);
    }
    return this.#apply(taskId, undefined, (task, now) => {
      const next =
        status === 'completed'
          ? complete(task, agentId, now)
          : fail(task, agentId, now, this.settings, offerableNow(task, this.#router, this.#loads));
      const outcome: OutcomeReport = {
        seq: task.decisionSeq as number,
        agentId,
        status,
        ...(durationMs === undefined ? {} : { durationMs }),
        ...(result === undefined ? {} : { result }),
      };
      return {
        task: next,
        outcome,
        committed: (committed) =>
          this.#traces.outcome(taskId, {
            agentId,
            status,
            durationMs,
            final: committed.status === status,
          }),
        events: () => [
          event(status === 'completed' ? 'task:completed' : 'task:failed', task, agentId, now, {
            durationMs: durationMs ?? null,
            final: next.status === status,
          }),
          ...offerEvents(next, now), // none when the task is final
        ],
      };
    });
  }

  /** Read, compute, commit against the version read; on a lost race, again from a fresh read. */
  async #apply(
    taskId: string,
    known: Task | undefined,
    compute: (task: Task, nowMs: number) => Prepared,
  ): Promise<Task> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      // A version check guards the commit, so starting from a task the caller already holds is safe.
      const before = attempt === 0 && known !== undefined ? known : await this.get(taskId);
      const prepared = compute(before, this.#clock.now());
      const done = this.#loads.committing(before, prepared.task);
      try {
        const committed = await this.#store.commitTask({ ...prepared, expectedVersion: before.version });
        if (committed !== null) {
          // Done only once the offer counts as held: the agent's load never dips to 0 between, which
          // would drop an entry removed meanwhile from its A2A agent's load group (agent-state.ts).
          prepared.committed?.(committed.task);
          this.#afterCommit(before, committed);
          return committed.task;
        }
      } finally {
        done();
      }
    }
    throw new RouterError(
      'wrong_state',
      `task ${taskId} kept changing under ${MAX_RETRIES} attempts; try again`,
      {
        details: { taskId },
      },
    );
  }

  #afterCommit(before: Task, committed: CommittedTaskChange): void {
    const after = committed.task;
    // The new holder first: an agent keeping the task (an accept) never shows 0 tasks in between.
    if (holds(after)) this.#loads.add(after.assignedAgent as string, 1);
    if (holds(before)) this.#loads.add(before.assignedAgent as string, -1);
    if (before.status === 'open' && after.status !== 'open') this.#auctions.closed(after.taskId);
    if (isFinal(after.status)) this.#traces.forget(after.taskId);
    if (committed.outcome !== undefined) {
      this.#router.learnOutcome(committed.outcome);
      if (this.#outcomeCursor !== undefined) this.#learnedHere.add(committed.outcome.outcomeSeq);
    }
    this.#events.committed(committed.events);
    const due = dueMs(after);
    if (due !== null) this.#timer.schedule(due);
  }
}
