import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/event-bus.js';
import type { TaskEvent } from '../../src/events/task-event.js';
import { systemClock } from '../../src/kernel/clock.js';
import { isRouterError } from '../../src/kernel/errors.js';
import { createRouter } from '../../src/router/create-router.js';
import type { Router } from '../../src/router/router.js';
import { TaskService } from '../../src/service/task-service.js';
import { createStore } from '../../src/store/create-store.js';
import type { Store, TaskChange } from '../../src/store/store.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { requirePostgres, testSchemas } from '../helpers/postgres.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('swarm-router-tasks-');
const open: { router: Router; service: TaskService }[] = [];
const schemas = testSchemas('tasks');
afterAll(() => schemas.dropAll());

/** The same behaviour on each store: a new database of the engine under test. */
const ENGINES = [
  { name: 'SQLite', newDb: () => tempDbPath(dir) },
  ...((await requirePostgres()) ? [{ name: 'PostgreSQL', newDb: () => schemas.url() }] : []),
];
let newDb = ENGINES[0]?.newDb as () => string;

async function start(
  db = newDb(),
  clock = new FakeClock(),
  personas = ['echo', 'forge', 'quill'],
  wrap: (store: Store) => Store = (store) => store,
) {
  const store: Store = wrap(createStore({ location: db }));
  const router = createRouter({ store, clock });
  for (const p of personas) router.registerPersona(p);
  await router.restoreLearning();
  const bus = new EventBus();
  const seen: TaskEvent[] = [];
  bus.subscribe((events) => seen.push(...events));
  const service = await TaskService.open({
    router,
    store,
    clock,
    events: bus,
    settings: { reservationMs: 5_000, maxAttempts: 2, defaultBiddingWindowMs: 1_000 },
  });
  open.push({ router, service });
  return { db, store, router, service, clock, seen };
}

afterEach(async () => {
  for (const { router, service } of open.splice(0)) {
    await service.stop();
    await router.close();
  }
});

/** The real store, but for the methods `replace` answers for (undefined: the store's own, bound). */
const intercepting =
  (replace: (key: string | symbol, own: (...args: unknown[]) => unknown) => unknown) =>
  (store: Store): Store =>
    new Proxy(store, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        const own = (value as (...args: unknown[]) => unknown).bind(target);
        return replace(key, own) ?? own;
      },
    });

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
  } catch (error) {
    return isRouterError(error) ? error.code : String(error);
  }
  return undefined;
};

describe('TaskService timers (real clock)', () => {
  it('closes an auction at its window end and re-offers at the reservation timeout, by itself', async () => {
    const store: Store = createStore({ location: tempDbPath(dir) });
    const router = createRouter({ store });
    for (const p of ['forge', 'quill', 'echo']) router.registerPersona(p);
    const bus = new EventBus();
    const service = await TaskService.open({
      router,
      store,
      clock: systemClock,
      events: bus,
      settings: { reservationMs: 300, idlePollMs: 50 },
    });
    open.push({ router, service });
    service.start();
    // A task both agents fit, so that there is someone to re-offer it to.
    const task = await service.post({ description: 'Fix the bug and write the docs', biddingWindowMs: 200 });
    await service.bid(task.taskId, 'forge', 30);
    await service.bid(task.taskId, 'quill', 30);
    await expect
      .poll(async () => (await service.get(task.taskId)).status, { timeout: 3_000 })
      .toBe('offered');
    const first = (await service.get(task.taskId)).assignedAgent;
    await expect
      .poll(async () => (await service.get(task.taskId)).assignedAgent, { timeout: 3_000 })
      .not.toBe(first);
  });
});

describe.each(ENGINES)('TaskService ($name)', (engine) => {
  beforeAll(() => {
    newDb = engine.newDb;
  });

  it('closes the auction as soon as every eligible agent has bid, logs the decision, offers the winner', async () => {
    const { service, router, seen } = await start();
    const task = await service.post({ description: 'Fix the bug in the auth code' });
    await service.bid(task.taskId, 'quill', 40);
    await service.bid(task.taskId, 'echo', 30);
    expect((await service.get(task.taskId)).status).toBe('open');
    const closed = await service.bid(task.taskId, 'forge', 50);
    expect(closed.status).toBe('offered');
    expect(closed.assignedAgent).toBe('forge');
    // quill and echo match the task below the threshold: refused, so never offered it, even on a retry.
    expect(closed.candidates).toEqual(['forge']);
    const decision = await router.getDecision(closed.decisionSeq as number);
    expect(decision?.taskId).toBe(task.taskId);
    expect(decision?.selectedAgent).toBe('forge');
    expect(decision?.bidders.map((b) => [b.agentId, b.rejection])).toEqual([
      ['quill', 'are below the capability threshold 0.02'],
      ['echo', 'are below the capability threshold 0.02'],
      ['forge', null],
    ]);
    expect(seen.map((e) => e.kind)).toEqual([
      'task:posted',
      'bid:received',
      'bid:received',
      'bid:received',
      'task:decided',
      'task:assigned',
    ]);
    expect(seen.map((e) => e.eventId)).toEqual([...seen.map((e) => e.eventId)].sort((a, b) => a - b));
    expect(service.inFlightOf('forge')).toBe(1);
    expect(service.openAuctions).toBe(0);
  });

  it('an auction on a roster larger than a decision keeps: bounded record, read back, counted and verified', async () => {
    const { service, router, clock } = await start();
    // 30 more agents on top of the three personas: the decision keeps its bidders and the best 20.
    for (let i = 0; i < 30; i++) {
      router.registerAgent({
        agentId: `db-${i}`,
        agentName: `DB ${i}`,
        capabilities: ['database'],
        keywords: i % 2 === 0 ? ['postgres', 'index'] : ['index'],
        rateSats: 10,
      });
    }
    const task = await service.post({ description: 'add a postgres index', biddingWindowMs: 1_000 });
    await service.bid(task.taskId, 'db-0', 20);
    await service.bid(task.taskId, 'forge', 30);
    clock.advance(1_000);
    await service.runDue();
    const decided = await service.get(task.taskId);
    const decision = await router.getDecision(decided.decisionSeq as number);
    expect(decision?.rosterSize).toBe(33);
    expect(decision?.agentIds.length).toBeLessThanOrEqual(22);
    expect(decision?.agentIds).toEqual(expect.arrayContaining(['db-0', 'forge']));
    expect(decision?.selectedAgent).toBe('db-0');
    expect((await router.stats('db-0')).tasksConsidered).toBe(1);
    expect((await router.verify()).ok).toBe(true);
  });

  it('closes at the window end, and refuses a late bid with wrong_state', async () => {
    const { service, clock } = await start();
    const task = await service.post({ description: 'Write the README', biddingWindowMs: 2_000 });
    await service.bid(task.taskId, 'quill', 30);
    clock.advance(1_999);
    await service.runDue();
    expect((await service.get(task.taskId)).status).toBe('open');
    clock.advance(1);
    expect(await codeOf(service.bid(task.taskId, 'echo', 10))).toBe('wrong_state');
    await service.runDue();
    const closed = await service.get(task.taskId);
    expect(closed).toMatchObject({ status: 'offered', assignedAgent: 'quill' });
    expect(await codeOf(service.bid(task.taskId, 'echo', 10))).toBe('wrong_state');
  });

  it("refuses a bid after the window's end before it reaches the store; another instance reads a task once", async () => {
    /** The real store, with its calls of these methods counted. */
    const counting = (calls: Map<string, number>) =>
      intercepting((key, own) =>
        key === 'addBid' || key === 'getTask'
          ? (...args: unknown[]) => {
              calls.set(key, (calls.get(key) ?? 0) + 1);
              return own(...args);
            }
          : undefined,
      );
    const { db, service, clock } = await start();
    const calls = new Map<string, number>();
    // A second instance on the same database (a shared one on PostgreSQL; on SQLite, a second handle).
    const other = await start(db, clock, undefined, counting(calls));
    const task = await service.post({ description: 'Write the README', biddingWindowMs: 2_000 });
    await other.service.bid(task.taskId, 'quill', 30);
    await other.service.bid(task.taskId, 'echo', 20);
    expect(calls.get('getTask')).toBe(1); // the task's facts read once, for both bids
    expect(calls.get('addBid')).toBe(2);
    clock.advance(2_000);
    const late = other.service.bid(task.taskId, 'forge', 10);
    await expect(late).rejects.toThrow(
      `the auction for task ${task.taskId} closed (its bidding window ended)`,
    );
    expect(await codeOf(late)).toBe('wrong_state');
    expect(calls.get('addBid')).toBe(2); // refused before the store: no write, no wait for the row
    await service.runDue();
    const closed = await service.get(task.taskId);
    expect(closed.bids.map((b) => b.agentId)).toEqual(['quill', 'echo']);
    expect(closed).toMatchObject({ status: 'offered', assignedAgent: 'quill' });
  });

  it('marks a close by the timer sweep byTimer, and a close by the last bid not', async () => {
    const closes: { taskId: string; byTimer: boolean | undefined }[] = [];
    const recordingCloses = intercepting((key, own) =>
      key === 'commitTask'
        ? (...args: unknown[]) => {
            const change = args[0] as TaskChange;
            if (change.decision !== undefined) {
              closes.push({ taskId: change.task.taskId, byTimer: change.byTimer });
            }
            return own(...args);
          }
        : undefined,
    );
    const { service, clock } = await start(undefined, undefined, undefined, recordingCloses);
    const byBid = await service.post({ description: 'Fix the bug in the auth code' });
    for (const agent of ['quill', 'echo', 'forge']) await service.bid(byBid.taskId, agent, 30);
    const byWindow = await service.post({ description: 'Write the README', biddingWindowMs: 1_000 });
    await service.bid(byWindow.taskId, 'quill', 30);
    clock.advance(1_000);
    await service.runDue();
    expect(closes).toEqual([
      { taskId: byBid.taskId, byTimer: undefined },
      { taskId: byWindow.taskId, byTimer: true },
    ]);
  });

  it('sweeps again after a sweep that failed: a store unavailable for a moment does not stop the timers', async () => {
    let failures = 1;
    const once = intercepting((key) => {
      if (key !== 'dueTasks' || failures === 0) return undefined;
      failures--;
      return async () => {
        throw new Error('the store is unavailable for a moment');
      };
    });
    const { service, clock } = await start(undefined, undefined, undefined, once);
    const task = await service.post({ description: 'Write the README', biddingWindowMs: 1_000 });
    await service.bid(task.taskId, 'quill', 30);
    clock.advance(1_000);
    await expect(service.runDue()).rejects.toThrow('unavailable for a moment');
    await service.runDue();
    expect((await service.get(task.taskId)).status).toBe('offered');
  });

  it('refuses bids the policy would refuse (422), duplicates, unknown agents and bad sats', async () => {
    const { service } = await start();
    const task = await service.post({
      description: 'Fix the bug in my function',
      requiredCapabilities: ['coding'],
      maxBidSats: 60,
    });
    expect(await codeOf(service.bid(task.taskId, 'quill', 10))).toBe('not_eligible');
    expect(await codeOf(service.bid(task.taskId, 'ghost', 10))).toBe('unknown_agent');
    expect(await codeOf(service.bid(task.taskId, 'forge', 61))).toBe('not_eligible');
    expect(await codeOf(service.bid(task.taskId, 'forge', -1))).toBe('invalid_request');
    expect(await codeOf(service.bid('no-such-task', 'forge', 1))).toBe('unknown_task');
    // forge is the only eligible agent: its bid closes the auction; a second bid is too late.
    expect((await service.bid(task.taskId, 'forge', 60)).status).toBe('offered');
    expect(await codeOf(service.bid(task.taskId, 'forge', 50))).toBe('wrong_state');
  });

  it('a duplicate bid while the auction is open is refused and changes nothing', async () => {
    const { service } = await start();
    const task = await service.post({ description: 'Draft the release notes' });
    await service.bid(task.taskId, 'quill', 30);
    expect(await codeOf(service.bid(task.taskId, 'quill', 20))).toBe('duplicate_bid');
    expect((await service.get(task.taskId)).bids).toEqual([{ agentId: 'quill', bidSats: 30 }]);
  });

  it('accept then complete: the outcome is recorded and learned, the load returns to 0', async () => {
    const { service, router } = await start(undefined, undefined, ['forge']);
    const task = await service.post({ description: 'Fix the bug in my function' });
    const offered = await service.bid(task.taskId, 'forge', 40);
    expect(await codeOf(service.complete(task.taskId, 'forge'))).toBe('wrong_state');
    await service.accept(task.taskId, 'forge');
    expect(router.agentRecord('forge').outcomes).toBe(0);
    const done = await service.complete(task.taskId, 'forge', 1200);
    expect(done.status).toBe('completed');
    expect(done.decisionSeq).toBe(offered.decisionSeq);
    expect(router.agentRecord('forge')).toMatchObject({ outcomes: 1, completed: 1, averageDurationMs: 1200 });
    expect(service.inFlightOf('forge')).toBe(0);
  });

  it('reject and timeout pass the offer down the candidates; none left is unassigned', async () => {
    // Three agents that all fit the task.
    const { service, clock, seen } = await start(undefined, undefined, ['forge', 'quill', 'mace']);
    const task = await service.post({ description: 'Audit the security of the code and write the docs' });
    for (const [agent, sats] of [
      ['forge', 20],
      ['quill', 30],
      ['mace', 40],
    ] as const) {
      await service.bid(task.taskId, agent, sats);
    }
    const first = await service.get(task.taskId);
    expect(await codeOf(service.reject(task.taskId, first.candidates[1] as string))).toBe('forbidden');
    const second = await service.reject(task.taskId, first.assignedAgent as string);
    expect(second.assignedAgent).toBe(first.candidates[1]);
    clock.advance(5_000);
    await service.runDue();
    const third = await service.get(task.taskId);
    expect(third.assignedAgent).toBe(first.candidates[2]);
    await service.reject(task.taskId, third.assignedAgent as string);
    expect((await service.get(task.taskId)).status).toBe('unassigned');
    expect(seen.filter((e) => e.kind === 'reservation:expired')).toHaveLength(1);
    for (const agent of first.candidates) expect(service.inFlightOf(agent)).toBe(0);
  });

  it('a failure is retried on the next candidate, then the task fails after maxAttempts', async () => {
    const { service, router } = await start();
    // forge and quill fit the task; echo does not.
    const task = await service.post({ description: 'Fix the bug and write the docs' });
    for (const agent of ['forge', 'quill', 'echo']) await service.bid(task.taskId, agent, 30);
    const first = await service.get(task.taskId);
    expect(first.candidates).toEqual(['forge', 'quill']);
    await service.accept(task.taskId, first.assignedAgent as string);
    const retry = await service.fail(task.taskId, first.assignedAgent as string, 100);
    expect(retry).toMatchObject({ status: 'offered', failures: 1, assignedAgent: first.candidates[1] });
    await service.accept(task.taskId, retry.assignedAgent as string);
    const failed = await service.fail(task.taskId, retry.assignedAgent as string, 100);
    expect(failed).toMatchObject({ status: 'failed', failures: 2 });
    expect(router.agentRecord(first.assignedAgent as string).failed).toBe(1);
    expect(router.agentRecord(retry.assignedAgent as string).failed).toBe(1);
  });

  it('a task past its deadline expires, whatever its state', async () => {
    const { service, clock } = await start();
    const t0 = clock.now();
    const task = await service.post({ description: 'Draft the notes', deadlineMs: t0 + 10_000 });
    await service.bid(task.taskId, 'quill', 30);
    clock.advance(1_000);
    await service.runDue();
    await service.accept(task.taskId, 'quill');
    clock.advance(9_000);
    await service.runDue();
    expect((await service.get(task.taskId)).status).toBe('expired');
    expect(service.inFlightOf('quill')).toBe(0);
    expect(await codeOf(service.post({ description: 'late', deadlineMs: clock.now() }))).toBe(
      'invalid_request',
    );
  });

  it('a task that nobody can take is decided at once: unassigned, with the reason', async () => {
    const { service, router } = await start();
    const task = await service.post({ description: 'Audit it', requiredCapabilities: ['astrology'] });
    const now = await service.get(task.taskId);
    expect(now.status).toBe('unassigned');
    const decision = await router.getDecision(now.decisionSeq as number);
    expect(decision?.selectionReason).toBe('No suitable agent: no agent declares the capability `astrology`');
  });

  it('a restarted service finds every task as it was, decides what came due, and the log verifies', async () => {
    const clock = new FakeClock();
    const first = await start(undefined, clock);
    const a = await first.service.post({ description: 'Fix the bug in the auth code' });
    for (const agent of ['forge', 'quill', 'echo']) await first.service.bid(a.taskId, agent, 30);
    const b = await first.service.post({ description: 'Write the README', biddingWindowMs: 3_000 });
    await first.service.bid(b.taskId, 'quill', 25);
    const offeredTo = (await first.service.get(a.taskId)).assignedAgent as string;
    await first.service.stop();
    await first.router.close();
    open.splice(0);

    clock.advance(3_000);
    const second = await start(first.db, clock);
    expect(second.service.inFlightOf(offeredTo)).toBe(1);
    expect(second.service.openAuctions).toBe(1);
    await second.service.runDue();
    expect((await second.service.get(b.taskId)).status).toBe('offered');
    expect((await second.service.get(b.taskId)).bids).toEqual([{ agentId: 'quill', bidSats: 25 }]);
    clock.advance(5_000); // a's reservation passed while it was down, too
    await second.service.runDue();
    expect((await second.service.get(a.taskId)).assignedAgent).not.toBe(offeredTo);
    expect((await second.router.verify()).ok).toBe(true);
  });

  it('bids arriving together are each checked, and a bad one fails alone', async () => {
    const { service, router } = await start(undefined, undefined, ['echo', 'forge', 'quill', 'mace']);
    const task = await service.post({ description: 'Fix the bug in the auth code' });
    const results = await Promise.allSettled([
      service.bid(task.taskId, 'quill', 40),
      service.bid(task.taskId, 'quill', 41), // duplicate, in the same turn
      service.bid(task.taskId, 'echo', 30),
      service.bid('no-such-task', 'echo', 30),
      service.bid(task.taskId, 'forge', 50),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const reasons = results.flatMap((r) =>
      r.status === 'rejected' ? [(r.reason as { code: string }).code] : [],
    );
    expect(reasons).toEqual(['duplicate_bid', 'unknown_task']);
    const stored = await service.get(task.taskId);
    const expected = [
      { agentId: 'quill', bidSats: 40 },
      { agentId: 'echo', bidSats: 30 },
      { agentId: 'forge', bidSats: 50 },
    ];
    // Both stores keep the order of the calls: SQLite's write batch and PostgreSQL's bid batches
    // store queued bids in order, one batch after the other.
    expect(stored.bids).toEqual(expected);
    expect(stored.status).toBe('open'); // mace has not bid
    await service.bid(task.taskId, 'mace', 60);
    expect((await router.history({ taskId: task.taskId, limit: 5 })).decisions).toHaveLength(1);
  });

  it('stopping does not wait for a backlog of due tasks; the next start handles it', async () => {
    const clock = new FakeClock();
    const first = await start(undefined, clock);
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const task = await first.service.post({ description: `Fix bug ${i}`, biddingWindowMs: 1_000 });
      await first.service.bid(task.taskId, 'forge', 30);
      ids.push(task.taskId);
    }
    clock.advance(1_000);
    const sweeping = first.service.runDue();
    await first.service.stop();
    await sweeping;
    const stillOpen = (await first.store.countTasksByStatus()).get('open') ?? 0;
    expect(stillOpen).toBeGreaterThan(100); // a backlog is left for the next start
    await first.router.close();
    open.splice(0);
    const second = await start(first.db, clock);
    await second.service.runDue();
    expect((await second.store.countTasksByStatus()).get('open') ?? 0).toBe(0);
  });

  it('a timer and a request racing for one auction decide it exactly once', async () => {
    const { service, router, clock } = await start();
    const task = await service.post({ description: 'Fix the bug', biddingWindowMs: 1_000 });
    await service.bid(task.taskId, 'forge', 30);
    await service.bid(task.taskId, 'quill', 30);
    clock.advance(1_000);
    await Promise.all([
      service.runDue(),
      service.runDue(),
      service.bid(task.taskId, 'echo', 1).catch(() => 0),
    ]);
    // On PostgreSQL a sweep passes over a task whose row the racing bid's transaction holds (the
    // claim skips locked rows, so that instances never wait on each other's claims); the task is
    // still due, and the timer's next check, at once, takes it. That check, as the timer makes it:
    await service.runDue();
    const page = await router.history({ taskId: task.taskId, limit: 10 });
    expect(page.decisions).toHaveLength(1);
  });
});
