import { describe, expect, it } from 'vitest';
import type { Decision, LoggedDecision } from '../policy/decision.js';
import { GroupCommit } from './group-commit.js';

const decision = (taskId: string) => ({ taskId }) as unknown as Decision;

describe('GroupCommit', () => {
  it('appends decisions submitted in one turn together, in order, and resolves each with its record', async () => {
    const appends: string[][] = [];
    const group = new GroupCommit(async (decisions) => {
      appends.push(decisions.map((d) => d.taskId));
      return decisions.map((d, i) => ({ ...d, seq: appends.length * 100 + i }) as unknown as LoggedDecision);
    });
    const first = await Promise.all(['a', 'b', 'c'].map((t) => group.submit(decision(t))));
    const later = await group.submit(decision('d'));
    expect(appends).toEqual([['a', 'b', 'c'], ['d']]);
    expect(first.map((d) => [d.taskId, d.seq])).toEqual([
      ['a', 100],
      ['b', 101],
      ['c', 102],
    ]);
    expect(later).toMatchObject({ taskId: 'd', seq: 200 });
  });

  it('fails every decision of a group whose append fails, and carries on with the next group', async () => {
    let calls = 0;
    const group = new GroupCommit(async (decisions) => {
      if (++calls === 1) throw new Error('disk full');
      return decisions as unknown as LoggedDecision[];
    });
    const failed = await Promise.allSettled([group.submit(decision('a')), group.submit(decision('b'))]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((failed[0] as PromiseRejectedResult).reason).toEqual(new Error('disk full'));
    await expect(group.submit(decision('c'))).resolves.toMatchObject({ taskId: 'c' });
  });
});
