import { RouterError } from '../kernel/errors.js';
import type { Bid } from '../policy/decision.js';
import type { RouteConstraints } from '../policy/filters.js';

/**
 * A task posted to the service, through its whole life (pure: time is an argument):
 *
 *   open ──close──▶ offered ──accept──▶ accepted ──complete──▶ completed
 *    │               │  ▲                 │
 *    │       reject, │  │ next candidate  └──fail──▶ offered to the next candidate (retry), or failed
 *    │       timeout └──┘
 *    └──(nobody eligible, or the candidates run out)──▶ unassigned
 *   open, offered, accepted ──deadline──▶ expired
 *
 * The auction closes when its window ends or once every eligible agent has bid; the decision is
 * logged, then the best candidate holds a reservation until it accepts, rejects, or lets it time out.
 * Each action below is the only way to change a task, and TRANSITIONS says in which states it is
 * legal; any other is `wrong_state` (409).
 */
export const TASK_STATUSES = [
  'open',
  'offered',
  'accepted',
  'completed',
  'failed',
  'unassigned',
  'expired',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export type TaskAction = 'bid' | 'close' | 'accept' | 'reject' | 'timeout' | 'complete' | 'fail' | 'expire';

export const TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskAction[]>> = Object.freeze({
  open: ['bid', 'close', 'expire'],
  offered: ['accept', 'reject', 'timeout', 'expire'],
  accepted: ['complete', 'fail', 'expire'],
  completed: [],
  failed: [],
  unassigned: [],
  expired: [],
});

export const isFinal = (status: TaskStatus): boolean => TRANSITIONS[status].length === 0;

export interface Task {
  readonly taskId: string;
  readonly description: string;
  readonly constraints: RouteConstraints;
  readonly status: TaskStatus;
  readonly createdMs: number;
  /** When the bidding window ends. */
  readonly closesMs: number;
  readonly deadlineMs: number | null;
  /** Bids in arrival order. */
  readonly bids: readonly Bid[];
  /** The logged decision, once the auction closed. */
  readonly decisionSeq: number | null;
  /** Eligible bidders, best first, from the decision; offers go down this list. */
  readonly candidates: readonly string[];
  /** Index in `candidates` of the current (or last) offer. */
  readonly offerIndex: number;
  /** The agent the task is offered to or accepted by (the last one, once final). */
  readonly assignedAgent: string | null;
  readonly reservedUntilMs: number | null;
  /** Failed attempts so far. */
  readonly failures: number;
  /** Bumped by every change, bids included: stores update a task only from the version they read. */
  readonly version: number;
  readonly updatedMs: number;
}

/** How a service runs its auctions and reservations. */
export interface LifecycleSettings {
  /** How long the winner (then each next candidate) has to accept, ms. */
  readonly reservationMs: number;
  /** Attempts (failures) after which a task is failed rather than offered to the next candidate. */
  readonly maxAttempts: number;
}

export interface NewTaskInput {
  readonly taskId: string;
  readonly description: string;
  readonly constraints: RouteConstraints;
  readonly biddingWindowMs: number;
  readonly deadlineMs: number | null;
}

export function newTask(input: NewTaskInput, nowMs: number): Task {
  return {
    taskId: input.taskId,
    description: input.description,
    constraints: input.constraints,
    status: 'open',
    createdMs: nowMs,
    closesMs: nowMs + input.biddingWindowMs,
    deadlineMs: input.deadlineMs,
    bids: [],
    decisionSeq: null,
    candidates: [],
    offerIndex: 0,
    assignedAgent: null,
    reservedUntilMs: null,
    failures: 0,
    version: 1,
    updatedMs: nowMs,
  };
}

/** When the service must next look at the task by itself (window end, reservation, deadline). */
export function dueMs(task: Task): number | null {
  if (isFinal(task.status)) return null;
  const own =
    task.status === 'open' ? task.closesMs : task.status === 'offered' ? task.reservedUntilMs : null;
  if (own === null) return task.deadlineMs;
  return task.deadlineMs === null ? own : Math.min(own, task.deadlineMs);
}

/** What the service must do about a task whose due time has come, or null when nothing yet. */
export function dueAction(task: Task, nowMs: number): 'expire' | 'close' | 'timeout' | null {
  if (isFinal(task.status)) return null;
  if (task.deadlineMs !== null && nowMs >= task.deadlineMs) return 'expire';
  if (task.status === 'open' && nowMs >= task.closesMs) return 'close';
  if (task.status === 'offered' && task.reservedUntilMs !== null && nowMs >= task.reservedUntilMs) {
    return 'timeout';
  }
  return null;
}

/** Throws `wrong_state` unless `action` is legal in the task's state. */
export function requireLegal(task: Task, action: TaskAction): void {
  if (TRANSITIONS[task.status].includes(action)) return;
  if (action === 'bid') {
    throw new RouterError(
      'wrong_state',
      `the auction for task ${task.taskId} closed (task is ${task.status})`,
      {
        details: { taskId: task.taskId, status: task.status },
      },
    );
  }
  const legal = TASK_STATUSES.filter((s) => TRANSITIONS[s].includes(action));
  throw new RouterError(
    'wrong_state',
    `cannot ${action} task ${task.taskId}: it is ${task.status} (${action} needs ${legal.join(' or ')})`,
    { details: { taskId: task.taskId, status: task.status, action } },
  );
}

/** Throws `forbidden` unless the task is offered to (or accepted by) this agent. */
export function requireAssignee(task: Task, agentId: string, action: TaskAction): void {
  if (task.assignedAgent === agentId) return;
  throw new RouterError(
    'forbidden',
    `agent '${agentId}' cannot ${action} task ${task.taskId}: it is assigned to ${task.assignedAgent ?? 'nobody'}`,
    { details: { taskId: task.taskId, agentId } },
  );
}

const changed = (task: Task, nowMs: number, fields: Partial<Task>): Task => ({
  ...task,
  ...fields,
  version: task.version + 1,
  updatedMs: nowMs,
});

/** The auction decided: offered to the best candidate, or unassigned when there is none. */
export function closeAuction(
  task: Task,
  candidates: readonly string[],
  nowMs: number,
  settings: LifecycleSettings,
): Task {
  requireLegal(task, 'close');
  return offerFrom({ ...task, candidates }, 0, nowMs, settings);
}

export function accept(task: Task, agentId: string, nowMs: number): Task {
  requireLegal(task, 'accept');
  requireAssignee(task, agentId, 'accept');
  return changed(task, nowMs, { status: 'accepted', reservedUntilMs: null });
}

/**
 * Whether a candidate can be offered the task now. The auction's candidates were eligible when it
 * closed; by a retry one may have gone offline, left the roster or filled its `max_concurrency`, and
 * is passed over as the auction would have passed it. Default: every candidate can.
 */
export type MayOffer = (agentId: string) => boolean;

const ANYONE: MayOffer = () => true;

/** The assignee turned it down, or its reservation ran out: offered to the next candidate. */
export function passOn(
  task: Task,
  action: 'reject' | 'timeout',
  nowMs: number,
  settings: LifecycleSettings,
  mayOffer: MayOffer = ANYONE,
): Task {
  requireLegal(task, action);
  return offerFrom(task, task.offerIndex + 1, nowMs, settings, mayOffer);
}

/** The assignee turned the offer down: offered to the next candidate. */
export function reject(
  task: Task,
  agentId: string,
  nowMs: number,
  settings: LifecycleSettings,
  mayOffer: MayOffer = ANYONE,
): Task {
  requireLegal(task, 'reject');
  requireAssignee(task, agentId, 'reject');
  return passOn(task, 'reject', nowMs, settings, mayOffer);
}

export function complete(task: Task, agentId: string, nowMs: number): Task {
  requireLegal(task, 'complete');
  requireAssignee(task, agentId, 'complete');
  return changed(task, nowMs, { status: 'completed', reservedUntilMs: null });
}

/** A failed attempt: retried on the next candidate while attempts remain, else the task failed. */
export function fail(
  task: Task,
  agentId: string,
  nowMs: number,
  settings: LifecycleSettings,
  mayOffer: MayOffer = ANYONE,
): Task {
  requireLegal(task, 'fail');
  requireAssignee(task, agentId, 'fail');
  const failures = task.failures + 1;
  const next = nextOfferable(task.candidates, task.offerIndex + 1, mayOffer);
  if (failures >= settings.maxAttempts || next >= task.candidates.length) {
    return changed(task, nowMs, { status: 'failed', failures, reservedUntilMs: null });
  }
  return offerFrom({ ...task, failures }, next, nowMs, settings); // `next` may be offered it
}

export function expire(task: Task, nowMs: number): Task {
  requireLegal(task, 'expire');
  return changed(task, nowMs, { status: 'expired', reservedUntilMs: null });
}

/** The first index from `from` whose candidate may be offered the task (candidates.length if none). */
function nextOfferable(candidates: readonly string[], from: number, mayOffer: MayOffer): number {
  let index = from;
  while (index < candidates.length && !mayOffer(candidates[index] as string)) index++;
  return index;
}

function offerFrom(
  task: Task,
  from: number,
  nowMs: number,
  settings: LifecycleSettings,
  mayOffer: MayOffer = ANYONE,
): Task {
  const index = nextOfferable(task.candidates, from, mayOffer);
  const next = task.candidates[index];
  if (next === undefined) {
    return changed(task, nowMs, {
      status: 'unassigned',
      assignedAgent: null,
      reservedUntilMs: null,
      offerIndex: index,
    });
  }
  return changed(task, nowMs, {
    status: 'offered',
    assignedAgent: next,
    offerIndex: index,
    reservedUntilMs: nowMs + settings.reservationMs,
  });
}
