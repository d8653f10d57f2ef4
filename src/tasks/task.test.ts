import { describe, expect, it } from 'vitest';
import { isRouterError } from '../kernel/errors.js';
import {
  accept,
  closeAuction,
  complete,
  dueAction,
  dueMs,
  expire,
  fail,
  newTask,
  passOn,
  TASK_STATUSES,
  type Task,
  TRANSITIONS,
} from './task.js';

const settings = { reservationMs: 1_000, maxAttempts: 2 };
const open = (deadlineMs: number | null = null): Task =>
  newTask({ taskId: 't1', description: 'fix it', constraints: {}, biddingWindowMs: 500, deadlineMs }, 10_000);
const offered = (candidates = ['a', 'b', 'c']): Task => closeAuction(open(), candidates, 10_500, settings);

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (error) {
    return isRouterError(error) ? error.code : 'not a RouterError';
  }
  return undefined;
};

describe('task lifecycle', () => {
  it('a new task is open until its window ends, then due for closing', () => {
    const task = open();
    expect(task).toMatchObject({ status: 'open', closesMs: 10_500, version: 1 });
    expect(dueMs(task)).toBe(10_500);
    expect(dueAction(task, 10_499)).toBeNull();
    expect(dueAction(task, 10_500)).toBe('close');
  });

  it('closing offers the task to the best candidate with a reservation', () => {
    const task = offered();
    expect(task).toMatchObject({
      status: 'offered',
      assignedAgent: 'a',
      offerIndex: 0,
      reservedUntilMs: 11_500,
    });
    expect(task.version).toBe(2);
    expect(dueAction(task, 11_500)).toBe('timeout');
  });

  it('closing with no candidate leaves the task unassigned, final', () => {
    const task = closeAuction(open(), [], 10_500, settings);
    expect(task.status).toBe('unassigned');
    expect(dueMs(task)).toBeNull();
  });

  it('a rejection or a timeout moves the offer down the candidates, then to unassigned', () => {
    let task = passOn(offered(), 'reject', 10_600, settings);
    expect(task).toMatchObject({ status: 'offered', assignedAgent: 'b', reservedUntilMs: 11_600 });
    task = passOn(task, 'timeout', 11_600, settings);
    expect(task.assignedAgent).toBe('c');
    task = passOn(task, 'reject', 11_700, settings);
    expect(task).toMatchObject({ status: 'unassigned', assignedAgent: null });
  });

  it('only the assignee accepts, completes or fails', () => {
    expect(codeOf(() => accept(offered(), 'b', 10_600))).toBe('forbidden');
    const accepted = accept(offered(), 'a', 10_600);
    expect(accepted).toMatchObject({ status: 'accepted', reservedUntilMs: null });
    expect(dueMs(accepted)).toBeNull();
    expect(codeOf(() => complete(accepted, 'b', 10_700))).toBe('forbidden');
    expect(complete(accepted, 'a', 10_700).status).toBe('completed');
  });

  it('a failure is retried on the next candidate until maxAttempts, then the task fails', () => {
    const first = fail(accept(offered(), 'a', 10_600), 'a', 10_700, settings);
    expect(first).toMatchObject({ status: 'offered', assignedAgent: 'b', failures: 1 });
    const second = fail(accept(first, 'b', 10_800), 'b', 10_900, settings);
    expect(second).toMatchObject({ status: 'failed', failures: 2 });
  });

  it('a failure with no candidate left fails the task', () => {
    const task = fail(accept(offered(['a']), 'a', 10_600), 'a', 10_700, { ...settings, maxAttempts: 5 });
    expect(task.status).toBe('failed');
  });

  it('the deadline expires any task that is not final', () => {
    const task = closeAuction(open(12_000), ['a'], 10_500, settings);
    expect(dueMs(task)).toBe(11_500); // the reservation comes first
    const accepted = accept(task, 'a', 10_600);
    expect(dueMs(accepted)).toBe(12_000);
    expect(dueAction(accepted, 12_000)).toBe('expire');
    expect(expire(accepted, 12_000).status).toBe('expired');
  });

  it.each(
    TASK_STATUSES.flatMap((status) =>
      (['close', 'accept', 'reject', 'timeout', 'complete', 'fail', 'expire'] as const)
        .filter((action) => !TRANSITIONS[status].includes(action))
        .map((action) => ({ status, action })),
    ),
  )('$action is refused (wrong_state) when the task is $status', ({ status, action }) => {
    const task: Task = { ...offered(), status, assignedAgent: 'a' };
    const run: Record<typeof action, () => unknown> = {
      close: () => closeAuction(task, ['a'], 20_000, settings),
      accept: () => accept(task, 'a', 20_000),
      reject: () => passOn(task, 'reject', 20_000, settings),
      timeout: () => passOn(task, 'timeout', 20_000, settings),
      complete: () => complete(task, 'a', 20_000),
      fail: () => fail(task, 'a', 20_000, settings),
      expire: () => expire(task, 20_000),
    };
    expect(codeOf(run[action])).toBe('wrong_state');
  });

  it('every change bumps the version', () => {
    const a = offered();
    const b = accept(a, 'a', 10_600);
    const c = complete(b, 'a', 10_700);
    expect([a.version, b.version, c.version]).toEqual([2, 3, 4]);
  });
});
