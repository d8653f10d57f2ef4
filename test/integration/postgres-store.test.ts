import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NewTaskEvent } from '../../src/events/task-event.js';
import { loadMigrations } from '../../src/store/migration-files.js';
import { PostgresStore, type PostgresStoreConfig } from '../../src/store/postgres/postgres-store.js';
import { newTask, type Task } from '../../src/tasks/task.js';
import { runStoreContract } from '../contract/store-contract.js';
import { requirePostgres, TEST_PG_URL, testSchemas } from '../helpers/postgres.js';

const available = await requirePostgres();
const schemas = testSchemas('pgstore');
afterAll(() => schemas.dropAll());

describe.runIf(available)('PostgreSQL store', () => {
  runStoreContract('postgres', () => {
    const url = schemas.url();
    return { open: () => new PostgresStore({ url }) };
  });

  const opened: PostgresStore[] = [];
  const open = (url: string, config: Partial<PostgresStoreConfig> = {}) => {
    const store = new PostgresStore({ url, ...config });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  const taskAt = (taskId: string, nowMs: number, windowMs = 1000): Task =>
    newTask(
      { taskId, description: `task ${taskId}`, constraints: {}, biddingWindowMs: windowMs, deadlineMs: null },
      nowMs,
    );
  const posted = (task: Task): NewTaskEvent => ({
    kind: 'task:posted',
    taskId: task.taskId,
    agentId: null,
    atMs: task.createdMs,
    data: {},
  });

  it('migrates once when several instances start on a new schema at the same moment', async () => {
    const url = schemas.url();
    const stores = [1, 2, 3, 4].map(() => open(url));
    expect(await Promise.all(stores.map((s) => s.countDecisions()))).toEqual([0, 0, 0, 0]);
    const schema = new URL(url).searchParams.get('schema') as string;
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    const rows = (await client.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`))
      .rows;
    await client.end();
    const shipped = loadMigrations(new URL('../../src/store/postgres/migrations/', import.meta.url));
    expect(shipped.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.version)).toEqual(shipped.map((m) => m.version));
  });

  it('leases due tasks to one instance; the others get them when it gives them back or its lease ends', async () => {
    const url = schemas.url();
    const a = open(url, { claimLeaseMs: 5_000 });
    const b = open(url, { claimLeaseMs: 5_000 });
    for (const id of ['t1', 't2', 't3']) {
      const task = taskAt(id, 1_000);
      await a.createTask(task, [posted(task)]);
    }
    const now = 3_000; // every window (1 s from 1 s) has ended
    const claimed = await a.dueTasks(now, 2);
    expect(claimed.map((t) => t.taskId)).toEqual(['t1', 't2']);
    expect((await b.dueTasks(now, 10)).map((t) => t.taskId)).toEqual(['t3']);
    expect(await b.dueTasks(now, 10)).toEqual([]); // t3 is b's now
    expect(await b.nextDueMs()).toBe(now + 5_000); // when the first lease runs out
    await a.releaseDueTasks(['t2']);
    expect((await b.dueTasks(now, 10)).map((t) => t.taskId)).toEqual(['t2']);
    // a crashed here: t1's lease ends, and another instance takes it.
    expect((await b.dueTasks(now + 5_000, 10)).map((t) => t.taskId)).toEqual(['t1', 't2', 't3']);
  });

  it('a commit of a task ends its lease', async () => {
    const url = schemas.url();
    const a = open(url);
    const task = taskAt('t1', 1_000);
    await a.createTask(task, [posted(task)]);
    const [due] = await a.dueTasks(3_000, 1);
    const expired = {
      ...(due as Task),
      status: 'expired' as const,
      version: (due as Task).version + 1,
      updatedMs: 3_000,
    };
    expect(
      await a.commitTask(
        { task: expired, expectedVersion: (due as Task).version, events: () => [] },
        () => '',
      ),
    ).not.toBeNull();
    const reopened = { ...expired, status: 'open' as const, closesMs: 4_000, version: expired.version + 1 };
    await a.commitTask({ task: reopened, expectedVersion: expired.version, events: () => [] }, () => '');
    expect((await a.dueTasks(5_000, 1)).map((t) => t.taskId)).toEqual(['t1']);
  });

  it('wakes the other instances when one commits events', async () => {
    const url = schemas.url();
    const a = open(url);
    const b = open(url);
    let wakes = 0;
    const stop = await b.watchCommits(() => wakes++);
    const task = taskAt('t1', 1_000);
    await a.createTask(task, [posted(task)]);
    await expect.poll(() => wakes, { timeout: 5_000 }).toBeGreaterThan(0);
    expect((await b.eventsAfter(0, 10)).map((e) => e.kind)).toEqual(['task:posted']);
    await stop();
  });

  it("passes over a store's own announcements and hears every other store's", async () => {
    const url = schemas.url();
    const a = open(url);
    const b = open(url);
    let wokeA = 0;
    let wokeB = 0;
    const stopA = await a.watchCommits(() => wokeA++);
    const stopB = await b.watchCommits(() => wokeB++);
    const first = taskAt('t1', 1_000);
    await a.createTask(first, [posted(first)]);
    await expect.poll(() => wokeB, { timeout: 5_000 }).toBe(1);
    expect(wokeA).toBe(0);
    const second = taskAt('t2', 1_000);
    await b.createTask(second, [posted(second)]);
    await expect.poll(() => wokeA, { timeout: 5_000 }).toBe(1);
    expect(wokeB).toBe(1);
    await stopA();
    await stopB();
  });

  it('announces a burst of commits in fewer notifications, the last one after the last commit', async () => {
    const url = schemas.url();
    const a = open(url);
    await a.countDecisions(); // migrated
    const schema = new URL(url).searchParams.get('schema') as string;
    const listener = new pg.Client({ connectionString: TEST_PG_URL });
    await listener.connect();
    const heard: number[] = [];
    listener.on('notification', () => heard.push(performance.now()));
    await listener.query(`LISTEN "swarm_router_${schema}"`);
    try {
      const tasks = Array.from({ length: 60 }, (_, i) => taskAt(`burst-${i}`, 1_000));
      await Promise.all(tasks.map((t) => a.createTask(t, [posted(t)])));
      const lastCommitted = performance.now();
      await expect.poll(() => heard.at(-1) ?? 0, { timeout: 5_000 }).toBeGreaterThan(lastCommitted);
      expect(heard.length).toBeLessThan(tasks.length);
    } finally {
      await listener.end();
    }
  });

  it('reads events only up to a gap that may still fill, and past one left by a rollback', async () => {
    const url = schemas.url();
    const a = open(url, { eventGapWaitMs: 300 });
    await a.countDecisions(); // migrated
    const schema = new URL(url).searchParams.get('schema') as string;
    const other = new pg.Client({ connectionString: TEST_PG_URL });
    await other.connect();
    try {
      // Another instance's transaction draws event id 1 and has not committed yet.
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO "${schema}".task_events (kind, task_id, agent_id, at_ms, data) VALUES ('task:posted', 'slow', NULL, 1, '{}')`,
      );
      const task = taskAt('fast', 1_000);
      await a.createTask(task, [posted(task)]); // id 2, committed first
      expect(await a.eventsAfter(0, 10)).toEqual([]); // 2 waits for 1
      await other.query('COMMIT');
      expect((await a.eventsAfter(0, 10)).map((e) => [e.eventId, e.taskId])).toEqual([
        [1, 'slow'],
        [2, 'fast'],
      ]);
      // A transaction that rolls back leaves id 3 missing for ever: readers wait, then go past it.
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO "${schema}".task_events (kind, task_id, agent_id, at_ms, data) VALUES ('task:posted', 'gone', NULL, 1, '{}')`,
      );
      await other.query('ROLLBACK');
      const later = taskAt('later', 2_000);
      await a.createTask(later, [posted(later)]); // id 4
      expect(await a.eventsAfter(2, 10)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect((await a.eventsAfter(2, 10)).map((e) => [e.eventId, e.taskId])).toEqual([[4, 'later']]);
    } finally {
      await other.end();
    }
  });

  it('refuses text PostgreSQL cannot hold (U+0000) as bad input, keeping what was stored', async () => {
    const url = schemas.url();
    const store = open(url);
    const ok = taskAt('t1', 1_000);
    await store.createTask(ok, [posted(ok)]);
    const bad = { ...taskAt('t2', 1_000), description: 'fix\u0000 the bug' };
    await expect(store.createTask(bad, [posted(bad)])).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('NUL character'),
    });
    expect(await store.getTask('t2')).toBeUndefined();
    expect((await store.eventsAfter(0, 10)).map((e) => e.taskId)).toEqual(['t1']);
  });

  it('names an unreachable server, and a bad schema name, without touching anything', async () => {
    const down = open('postgres://postgres@127.0.0.1:1/test');
    await expect(down.countDecisions()).rejects.toMatchObject({
      code: 'store_unavailable',
      message: expect.stringContaining('cannot reach PostgreSQL at 127.0.0.1:1/test'),
    });
    expect(() => new PostgresStore({ url: `${TEST_PG_URL}?schema=bad;drop` })).toThrow(
      /not a plain identifier/,
    );
  });
});
