import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accept, closeAuction, fail, newTask, passOn, reject, type Task } from './task.js';

/** Retries pass over candidates that cannot be offered the task now (task.ts, MayOffer). */

const settings = { reservationMs: 1_000, maxAttempts: 5 };
const offered = (candidates: readonly string[]): Task =>
  closeAuction(
    newTask(
      { taskId: 't1', description: 'fix it', constraints: {}, biddingWindowMs: 500, deadlineMs: null },
      0,
    ),
    candidates,
    500,
    settings,
  );

/** What a retry from the current offer should give: the first offerable candidate after it. */
const expectedNext = (task: Task, mayOffer: (agentId: string) => boolean): string | undefined =>
  task.candidates.slice(task.offerIndex + 1).find(mayOffer);

const rosters = fc
  .uniqueArray(fc.constantFrom<string>('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1, maxLength: 6 })
  .chain((candidates) =>
    fc.record({ candidates: fc.constant(candidates), refused: fc.subarray(candidates.slice(1)) }),
  );

describe('retries and the candidates that cannot take the task now', () => {
  it('reject and timeout offer the first candidate down the list that may be offered it, or none', () => {
    fc.assert(
      fc.property(rosters, fc.constantFrom('reject', 'timeout'), ({ candidates, refused }, action) => {
        const task = offered(candidates);
        const mayOffer = (agentId: string) => !refused.includes(agentId);
        const next =
          action === 'reject'
            ? reject(task, task.assignedAgent as string, 600, settings, mayOffer)
            : passOn(task, 'timeout', 600, settings, mayOffer);
        const expected = expectedNext(task, mayOffer);
        if (expected === undefined) {
          expect(next).toMatchObject({ status: 'unassigned', assignedAgent: null });
        } else {
          expect(next).toMatchObject({ status: 'offered', assignedAgent: expected });
          expect(next.candidates[next.offerIndex]).toBe(expected);
        }
      }),
    );
  });

  it('a failure is retried on the next candidate that may be offered it, else the task fails', () => {
    fc.assert(
      fc.property(rosters, ({ candidates, refused }) => {
        const task = accept(offered(candidates), candidates[0] as string, 550);
        const mayOffer = (agentId: string) => !refused.includes(agentId);
        const next = fail(task, candidates[0] as string, 600, settings, mayOffer);
        const expected = expectedNext(task, mayOffer);
        expect(next.failures).toBe(1);
        if (expected === undefined)
          expect(next).toMatchObject({ status: 'failed', assignedAgent: candidates[0] });
        else expect(next).toMatchObject({ status: 'offered', assignedAgent: expected });
      }),
    );
  });

  it('without a check every next candidate is offered, as before', () => {
    const task = offered(['a', 'b', 'c']);
    expect(passOn(task, 'timeout', 600, settings).assignedAgent).toBe('b');
    expect(reject(task, 'a', 600, settings).assignedAgent).toBe('b');
  });
});
