import fc from 'fast-check';
import type pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verifyLog } from '../../src/audit/verify.js';
import { sealRecord } from '../../src/chain/hash-chain.js';
import type { NewTaskEvent } from '../../src/events/task-event.js';
import type { LoggedDecision } from '../../src/policy/decision.js';
import { createRouter } from '../../src/router/create-router.js';
import { loadMigrations } from '../../src/store/migration-files.js';
import {
  chainLockKey,
  foldLockKey,
  sealLockKey,
  sweepLockKey,
} from '../../src/store/postgres/pg-advisory-locks.js';
import { migratePg } from '../../src/store/postgres/pg-migrator.js';
import { PostgresStore, type PostgresStoreConfig } from '../../src/store/postgres/postgres-store.js';
import { newTask, type Task } from '../../src/tasks/task.js';
import { runStoreContract } from '../contract/store-contract.js';
import { requirePostgres, TEST_PG_URL, testSchemas, withTestClient } from '../helpers/postgres.js';

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

  const shipped = loadMigrations(new URL('../../src/store/postgres/migrations/', import.meta.url));
  /** A deltas table's row count and one call of its fold function, on `client` (migrations 0011, 0016). */
  const foldingOf = (client: pg.Client, deltas: string, folder: string, foldLock: number) => ({
    deltaRows: async () => (await client.query(`SELECT count(*)::int AS n FROM ${deltas}`)).rows[0].n,
    fold: async () => (await client.query(`SELECT ${folder}($1) AS n`, [foldLock])).rows[0].n,
  });
  /** A task row written by SQL alone, as an operator or another version would write it. */
  const insertTaskRow = (
    client: pg.Client,
    taskId: string,
    status: string,
    agent: string | null,
    description = 'old task',
  ) =>
    client.query(
      `INSERT INTO tasks (task_id, description, constraints, status, created_ms, closes_ms, candidates,
         offer_index, assigned_agent, failures, version, updated_ms)
       VALUES ($1, $4, '{}', $2, 1000, 2000, '[]', 0, $3, 0, 1, 2000)`,
      [taskId, status, agent, description],
    );
  /** Runs `work` on a client in `schema` as the version before migration `version` left it. */
  const asLeftBefore = (schema: string, version: number, work: (client: pg.Client) => Promise<void>) =>
    withTestClient(async (client) => {
      await migratePg(
        client,
        schema,
        shipped.filter((m) => m.version < version),
        1_000,
      );
      await client.query(`SET search_path TO "${schema}"`);
      await work(client);
    });

  it('migrates once when several instances start on a new schema at the same moment', async () => {
    const url = schemas.url();
    const stores = [1, 2, 3, 4].map(() => open(url));
    expect(await Promise.all(stores.map((s) => s.countDecisions()))).toEqual([0, 0, 0, 0]);
    const schema = new URL(url).searchParams.get('schema') as string;
    const rows = await withTestClient(
      async (client) =>
        (await client.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).rows,
    );
    expect(shipped.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.version)).toEqual(shipped.map((m) => m.version));
  });

  it('leases due tasks to one instance; the others get them when it gives them back or its lease ends', async () => {
    const url = schemas.url();
    // Every instance sweeps every due task at its time here (no sweep lease: the next test's).
    const a = open(url, { claimLeaseMs: 5_000, sweepGraceMs: 0 });
    const b = open(url, { claimLeaseMs: 5_000, sweepGraceMs: 0 });
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

  it('sweeps due tasks at their time on the instance with the sweep lease, on another once overdue; another takes the lease when its session ends', async () => {
    const url = schemas.url();
    const schema = new URL(url).searchParams.get('schema') as string;
    const a = open(url, { sweepGraceMs: 500 });
    const b = open(url, { sweepGraceMs: 500 });
    for (const id of ['t1', 't2', 't3']) {
      const task = taskAt(id, 1_000); // due at 2 s
      await a.createTask(task, [posted(task)]);
    }
    expect((await a.dueTasks(2_100, 1)).map((t) => t.taskId)).toEqual(['t1']); // a asked first: its lease
    expect(await b.dueTasks(2_100, 10)).toEqual([]); // t2 and t3 are 100 ms overdue: a's to sweep
    expect([await a.nextDueMs(), await b.nextDueMs()]).toEqual([2_000, 2_500]);
    expect((await b.dueTasks(2_500, 1)).map((t) => t.taskId)).toEqual(['t2']); // overdue by the grace
    // a's lease session ends as a crash would end it; b takes the lease at its next try and sweeps
    // t3 at its time.
    const key = sweepLockKey(schema);
    await withTestClient(async (client) => {
      const holders = await client.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks
         WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 1 AND granted`,
        [Math.floor(key / 2 ** 32), key % 2 ** 32],
      );
      expect(holders.rowCount).toBe(1);
    });
    await expect
      .poll(async () => (await b.dueTasks(2_100, 10)).map((t) => t.taskId), { timeout: 5_000, interval: 200 })
      .toEqual(['t3']);
    expect(await b.nextDueMs()).toBe(2_100 + 10_000); // the claims' leases: b sweeps without grace now
    // And a knows it has lost the lease: a task 100 ms overdue is b's.
    const late = taskAt('t4', 1_000);
    await a.createTask(late, [posted(late)]);
    expect(await a.dueTasks(2_100, 10)).toEqual([]);
    expect((await b.dueTasks(2_100, 10)).map((t) => t.taskId)).toEqual(['t4']);
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
      await a.commitTask({ task: expired, expectedVersion: (due as Task).version, events: () => [] }),
    ).not.toBeNull();
    const reopened = { ...expired, status: 'open' as const, closesMs: 4_000, version: expired.version + 1 };
    await a.commitTask({ task: reopened, expectedVersion: expired.version, events: () => [] });
    expect((await a.dueTasks(5_000, 1)).map((t) => t.taskId)).toEqual(['t1']);
  });

  it("gives float8_le, which the chain's hashes use for each number, the bytes JavaScript writes", async () => {
    const url = schemas.url();
    await open(url).countDecisions(); // migrated
    const values = [
      0,
      1,
      2,
      6,
      255,
      1.5,
      -2.25,
      123_456_789,
      2 ** 40 + 3,
      1_733_000_000_123,
      Number.MAX_SAFE_INTEGER,
    ];
    const expected = values.map((v) => {
      const bytes = Buffer.alloc(8);
      bytes.writeDoubleLE(v);
      return bytes.toString('hex');
    });
    await withTestClient(async (client) => {
      await client.query(`SET search_path TO "${new URL(url).searchParams.get('schema')}"`);
      const rows = (
        await client.query(
          'SELECT encode(float8_le(v), $2) AS le FROM unnest($1::float8[]) WITH ORDINALITY AS x(v, i) ORDER BY i',
          [values, 'hex'],
        )
      ).rows;
      expect(rows.map((r) => r.le)).toEqual(expected);
    });
  });

  it('seals decisions inside PostgreSQL exactly as sealRecord does, and in the instance when an event needs the seq', async () => {
    const url = schemas.url();
    const store = open(url);
    // Classic lets an unregistered bidder take part (an outside bidder); the default scorer refuses
    // bids by constraint (rejection reasons) and records a threshold (minCapability).
    const classic = createRouter({ scorer: 'classic', allowUnregisteredBidders: true });
    const fussy = createRouter({});
    for (const router of [classic, fussy]) {
      router.registerPersona('forge', 'forge');
      router.registerPersona('quill', 'quill');
    }
    const texts = [
      'Fix the bug in the auth code',
      'Écris un résumé — 日本語 ✓',
      'lone \ud800 surrogate',
      'x'.repeat(5_000),
      'Audit the report',
      'Write the docs',
    ];
    const changes = texts.map((text, i) => {
      const taskId = `s${i}`;
      const decision =
        i % 2 === 0
          ? classic.decide({
              taskId,
              description: text,
              bids: [
                { agentId: 'forge', bidSats: 30 },
                { agentId: 'stranger', bidSats: 5 },
              ],
            })
          : fussy.decide({
              taskId,
              description: text,
              bids: [
                { agentId: 'forge', bidSats: 30 },
                { agentId: 'quill', bidSats: 90 },
              ],
              maxBidSats: 50,
            });
      const task = taskAt(taskId, 1_000);
      return { task, decision };
    });
    for (const { task } of changes) await store.createTask(task, [posted(task)]);
    const commit = (i: number) => {
      const { task, decision } = changes[i] as (typeof changes)[number];
      return store.commitTask({
        task: { ...task, status: 'unassigned', version: task.version + 1, updatedMs: 2_000 },
        expectedVersion: task.version,
        decision,
        events: (committed) => [
          {
            ...posted(committed),
            kind: 'task:decided',
            // The seq under a key of the change's choosing; the last change also writes it into a text.
            data: {
              at: committed.decisionSeq,
              ...(committed.taskId === 's4' ? { note: `"decisionSeq":${committed.decisionSeq}` } : {}),
            },
          },
        ],
      });
    };
    // Four at once (sealed in the database); then one whose event writes the seq into a text (sealed
    // here), and one more in the database.
    const sealed = await Promise.all([0, 1, 2, 3].map((i) => commit(i)));
    const texted = await commit(4);
    const own = await commit(5);
    let prev = '0'.repeat(64);
    const bySeq = [...sealed, texted, own]
      .map((c) => c?.decision as LoggedDecision)
      .sort((a, b) => a.seq - b.seq);
    expect(bySeq.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const d of bySeq) {
      expect(d.prevHash).toBe(prev);
      expect(d.hash).toBe(sealRecord(prev, d.seq, d));
      prev = d.hash;
    }
    const stored = await store.eventsAfter(0, 20);
    // Each event as stored carries its own decision's seq.
    const decided = stored.filter((e) => e.kind === 'task:decided');
    const seqOf = (taskId: string) =>
      [...sealed, texted, own].find((c) => c?.task.taskId === taskId)?.decision?.seq;
    expect(decided.map((e) => e.data)).toEqual(
      decided.map((e) => {
        const seq = seqOf(e.taskId);
        return e.taskId === 's4' ? { at: seq, note: `"decisionSeq":${seq}` } : { at: seq };
      }),
    );
    expect(decided.map((e) => e.data.at).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    // Read back, all six verify.
    const result = await verifyLog(store);
    expect([result.ok, result.records]).toEqual([true, 6]);
  });

  it('waits for a task row another transaction holds, counts the wait, then stores the bid', async () => {
    const url = schemas.url();
    const store = open(url);
    const task = taskAt('held', 1_000, 60_000);
    await store.createTask(task, [posted(task)]);
    const schema = new URL(url).searchParams.get('schema') as string;
    await withTestClient(async (other) => {
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM "${schema}".tasks WHERE task_id = 'held' FOR UPDATE`);
      const before = store.contention.lockWaits;
      const bid = store.addBid('held', { agentId: 'a', bidSats: 5 }, 1_100, {
        kind: 'bid:received',
        taskId: 'held',
        agentId: 'a',
        atMs: 1_100,
        data: {},
      });
      await expect.poll(() => store.contention.lockWaits, { timeout: 5_000 }).toBe(before + 1);
      await other.query('COMMIT');
      expect((await bid).task.bids).toEqual([{ agentId: 'a', bidSats: 5 }]);
      expect(store.contention.waitedWrites).toBe(1);
    });
  });

  it('lock_tasks_in_order waits for a held row in its statement and says so in a notice, not an error', async () => {
    const url = schemas.url();
    const store = open(url);
    for (const id of ['l1', 'l2', 'l3']) {
      const task = taskAt(id, 1_000, 60_000);
      await store.createTask(task, [posted(task)]);
    }
    const schema = new URL(url).searchParams.get('schema') as string;
    await withTestClient(async (holder) => {
      await withTestClient(async (locker) => {
        const notices: { severity?: string; detail?: string; hint?: string }[] = [];
        locker.on('notice', (n) => notices.push(n));
        await locker.query(`SET search_path = "${schema}"`);
        await holder.query('BEGIN');
        await holder.query(`UPDATE "${schema}".tasks SET version = version + 1 WHERE task_id = 'l2'`);
        await locker.query('BEGIN');
        const locking = locker.query(
          `SELECT * FROM lock_tasks_in_order(ARRAY['l3', 'l1', 'l2', 'l1', 'nope'], false)`,
        );
        await expect.poll(() => notices.length, { timeout: 5_000 }).toBe(1);
        expect(notices[0]).toMatchObject({
          severity: 'NOTICE',
          detail: '5',
          hint: 'swarm-router:row-lock-wait',
        });
        // It waits in task_id order, holding only the rows before l2: l3, free, is not taken out of
        // order (two batches sharing tasks could deadlock), so the holder can lock it without waiting.
        await holder.query(`SELECT 1 FROM "${schema}".tasks WHERE task_id = 'l3' FOR UPDATE NOWAIT`);
        await holder.query('COMMIT');
        const rows = (await locking).rows;
        // The versions as they are after the holder's commit, in task_id order, each task once.
        expect(rows).toEqual([
          { task_id: 'l1', version: 1 },
          { task_id: 'l2', version: 2 },
          { task_id: 'l3', version: 1 },
        ]);
        // Held now by the locker: a try without waiting from elsewhere is refused.
        await holder.query('BEGIN');
        await expect(
          holder.query(`SELECT 1 FROM "${schema}".tasks WHERE task_id = 'l1' FOR UPDATE NOWAIT`),
        ).rejects.toMatchObject({ code: '55P03' });
        await holder.query('ROLLBACK');
        await locker.query('COMMIT');
        expect(notices).toHaveLength(1);
      });
    });
  });

  it('counts a decision batch that waits for a task row once, with every decision it held up', async () => {
    const url = schemas.url();
    const store = open(url);
    const [first, ...changes] = await decisionChanges(store, 4, 'r');
    await store.commitTask(first as (typeof changes)[number]); // interns the keys
    const schema = new URL(url).searchParams.get('schema') as string;
    await withTestClient(async (other) => {
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM "${schema}".tasks WHERE task_id = 'r2' FOR UPDATE`);
      const before = store.contention;
      const commits = changes.map((change) => store.commitTask(change)); // one turn: one batch
      await expect.poll(() => store.contention.lockWaits, { timeout: 5_000 }).toBe(before.lockWaits + 1);
      expect(store.contention.waitedWrites).toBe(before.waitedWrites + 3);
      await other.query('COMMIT');
      expect((await Promise.all(commits)).map((c) => c?.decision?.seq).sort()).toEqual([2, 3, 4]);
      expect(store.contention.batched?.decisions.batches).toBe((before.batched?.decisions.batches ?? 0) + 1);
    });
    expect((await verifyLog(store)).ok).toBe(true);
  });

  /** The backends waiting for the advisory lock `key` (a bigint key: its halves in pg_locks). */
  const waitersFor = async (client: pg.Client, key: number): Promise<number[]> =>
    (
      await client.query(
        `SELECT pid FROM pg_locks
         WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 1 AND NOT granted`,
        [Math.floor(key / 2 ** 32), key % 2 ** 32],
      )
    ).rows.map((r) => r.pid as number);

  /** Decisions on new tasks t0… (or `prefix`0…) with their commits, each a change that closes its auction. */
  const decisionChanges = async (store: PostgresStore, count: number, prefix = 't') => {
    const router = createRouter({ scorer: 'classic', allowUnregisteredBidders: true });
    router.registerPersona('forge', 'forge');
    const changes = [];
    for (let i = 0; i < count; i++) {
      const task = taskAt(`${prefix}${i}`, 1_000, 60_000);
      await store.createTask(task, [posted(task)]);
      const decision = router.decide({
        taskId: task.taskId,
        description: 'Fix the bug in the auth code',
        bids: [{ agentId: 'forge', bidSats: 30 }],
      });
      changes.push({
        task: { ...task, status: 'unassigned' as const, version: task.version + 1, updatedMs: 2_000 },
        expectedVersion: task.version,
        decision,
        events: (committed: Task) => [{ ...posted(committed), kind: 'task:decided' as const, data: {} }],
      });
    }
    return changes;
  };

  it('counts a decision batch that waits for the chain lock once, and each decision it held up', async () => {
    const url = schemas.url();
    const store = open(url);
    const [first, ...changes] = await decisionChanges(store, 4);
    // The first interns the agent, policy and roster keys, so that the others reach the batcher in
    // one turn.
    await store.commitTask(first as (typeof changes)[number]);
    const chainLock = chainLockKey(new URL(url).searchParams.get('schema') as string);
    await withTestClient(async (other) => {
      // This schema's chain lock, held as another instance appending would.
      await other.query('SELECT pg_advisory_lock($1)', [chainLock]);
      const before = store.contention;
      const commits = changes.map((change) => store.commitTask(change)); // one turn: one batch
      await expect.poll(async () => (await waitersFor(other, chainLock)).length, { timeout: 5_000 }).toBe(1);
      await other.query('SELECT pg_advisory_unlock($1)', [chainLock]);
      expect((await Promise.all(commits)).map((c) => c?.decision?.seq).sort()).toEqual([2, 3, 4]);
      expect(store.contention.lockWaits).toBe(before.lockWaits + 1);
      expect(store.contention.waitedWrites).toBe(before.waitedWrites + 3);
      expect(store.contention.batched?.decisions.batches).toBe((before.batched?.decisions.batches ?? 0) + 1);
    });
  });

  it("writes only the kept decisions' task rows: a batch's stale change and second change of a task leave them be", async () => {
    const store = open(schemas.url());
    const [first, kept, stale] = await decisionChanges(store, 3);
    await store.commitTask(first as NonNullable<typeof first>); // interns the keys
    const keptChange = kept as NonNullable<typeof kept>;
    const staleChange = stale as NonNullable<typeof stale>;
    const before = store.contention;
    const untouched = await store.getTask('t2');
    // Submitted in one turn, so one batch: the same task's second change loses to the first, and a
    // change computed from a version the task is not at loses too; neither may write its task row.
    const results = await Promise.all([
      store.commitTask(keptChange),
      store.commitTask({ ...keptChange, task: { ...keptChange.task, updatedMs: 9_000 } }),
      store.commitTask({
        ...staleChange,
        expectedVersion: staleChange.expectedVersion + 1,
        task: { ...staleChange.task, updatedMs: 9_000 },
      }),
    ]);
    expect(store.contention.batched?.decisions.batches).toBe((before.batched?.decisions.batches ?? 0) + 1);
    expect(results.map((r) => r?.decision?.seq ?? null)).toEqual([2, null, null]);
    const decided = await store.getTask('t1');
    expect([decided?.updatedMs, decided?.decisionSeq, decided?.version]).toEqual([
      keptChange.task.updatedMs,
      2,
      keptChange.task.version,
    ]);
    expect(await store.getTask('t2')).toEqual(untouched);
    expect(await store.checkIntegrity()).toEqual([]);
  });

  /** The locks on this schema's relation `table` that backend `pid` holds, by mode. */
  const tableLocks = async (
    client: pg.Client,
    schema: string,
    table: string,
    pid: number,
  ): Promise<string[]> =>
    (
      await client.query(
        `SELECT mode FROM pg_locks WHERE locktype = 'relation' AND pid = $1 AND granted
           AND relation = (quote_ident($2) || '.' || quote_ident($3))::regclass ORDER BY mode`,
        [pid, schema, table],
      )
    ).rows.map((r) => r.mode);

  it("writes a batch's agent counters as deltas before it takes the chain lock, and touches no counter row", async () => {
    const url = schemas.url();
    const schema = new URL(url).searchParams.get('schema') as string;
    const store = open(url);
    const [first, ...changes] = await decisionChanges(store, 3);
    await store.commitTask(first as (typeof changes)[number]); // interns the keys
    const chainLock = chainLockKey(schema);
    await withTestClient(async (other) => {
      await other.query('SELECT pg_advisory_lock($1)', [chainLock]);
      const commits = changes.map((change) => store.commitTask(change)); // one batch
      await expect.poll(async () => (await waitersFor(other, chainLock)).length, { timeout: 5_000 }).toBe(1);
      const [waiting] = (await waitersFor(other, chainLock)) as [number];
      // Waiting for the chain, the batch has inserted into the deltas and not gone near the counters.
      expect(await tableLocks(other, schema, 'agent_counter_deltas', waiting)).toEqual(['RowExclusiveLock']);
      expect(await tableLocks(other, schema, 'agent_counters', waiting)).toEqual([]);
      await other.query('SELECT pg_advisory_unlock($1)', [chainLock]);
      expect((await Promise.all(commits)).map((c) => c?.decision?.seq)).toEqual([2, 3]);
    });
    // Three decisions, each with forge its roster's one member, bidding and winning at 30 sats.
    expect(await store.agentCounts('forge')).toEqual({
      agentId: 'forge',
      considered: 3,
      bids: 3,
      won: 3,
      winningBidSatsSum: 90,
    });
    expect((await verifyLog(store)).problems).toEqual([]);
  });

  it("writes a batch's events and its tasks' link to their decisions before it takes the chain lock; each reads with its seq", async () => {
    const url = schemas.url();
    const schema = new URL(url).searchParams.get('schema') as string;
    const store = open(url);
    const [first, ...changes] = await decisionChanges(store, 4);
    await store.commitTask(first as (typeof changes)[number]); // interns the keys
    // The seq under a key of the change's choosing; the last change puts it in an event of another task.
    const naming = changes.map((change, i) => ({
      ...change,
      events: (committed: Task) => [
        {
          ...posted(committed),
          kind: 'task:decided' as const,
          taskId: i === 2 ? 'elsewhere' : committed.taskId,
          data: { seq: committed.decisionSeq },
        },
      ],
    }));
    const chainLock = chainLockKey(schema);
    await withTestClient(async (other) => {
      await other.query('SELECT pg_advisory_lock($1)', [chainLock]);
      const batch = naming.slice(0, 2).map((change) => store.commitTask(change)); // one batch
      await expect.poll(async () => (await waitersFor(other, chainLock)).length, { timeout: 5_000 }).toBe(1);
      const [waiting] = (await waitersFor(other, chainLock)) as [number];
      // Waiting for the chain, the batch has inserted its events already.
      expect(await tableLocks(other, schema, 'task_events', waiting)).toEqual(['RowExclusiveLock']);
      await other.query('SELECT pg_advisory_unlock($1)', [chainLock]);
      expect((await Promise.all(batch)).map((c) => c?.decision?.seq)).toEqual([2, 3]);
    });
    expect((await store.commitTask(naming[2] as (typeof naming)[number]))?.decision?.seq).toBe(4);
    const decided = (await store.eventsAfter(0, 20)).filter(
      (e) => e.kind === 'task:decided' && e.taskId !== 't0',
    );
    expect(decided.map((e) => [e.taskId, e.data])).toEqual([
      ['t1', { seq: 2 }],
      ['t2', { seq: 3 }],
      ['elsewhere', { seq: 4 }],
    ]);
    // As stored: the batch's events with the token where the seq goes; the event of another task
    // (committed the slower way) with the seq itself.
    await withTestClient(async (client) => {
      await client.query(`SET search_path TO ${schema}`);
      const rows = (
        await client.query(
          `SELECT task_id, data, seq_token FROM task_events WHERE kind = 'task:decided' AND task_id <> 't0' ORDER BY event_id`,
        )
      ).rows;
      expect(rows.map((r) => [r.task_id, r.seq_token !== null, r.data.includes('"seq":')])).toEqual([
        ['t1', true, true],
        ['t2', true, true],
        ['elsewhere', false, true],
      ]);
      expect(rows.slice(0, 2).map((r) => r.data === `{"seq":${r.seq_token}}`)).toEqual([true, true]);
      expect(rows[2].data).toBe('{"seq":4}');
      // The batch's tasks name their decisions by id, the seq being unknown then; the slower way's by seq.
      const links = (
        await client.query(
          `SELECT t.task_id, t.decision_seq::int, t.decision_id = d.decision_id AS by_id, d.seq::int
           FROM tasks t JOIN decisions d ON d.task_id = t.task_id WHERE t.task_id <> 't0' ORDER BY d.seq`,
        )
      ).rows;
      expect(links.map((r) => [r.task_id, r.decision_seq, r.by_id, r.seq])).toEqual([
        ['t1', null, true, 2],
        ['t2', null, true, 3],
        ['t3', 4, null, 4],
      ]);
    });
    expect((await store.getTask('t1'))?.decisionSeq).toBe(2);
  });

  it('folds the deltas into the counters one folder at a time, the counters reading the same throughout', async () => {
    const url = schemas.url();
    const schema = new URL(url).searchParams.get('schema') as string;
    const foldLock = foldLockKey(schema);
    const store = open(url);
    await withTestClient(async (client) => {
      await client.query(`SET search_path TO "${schema}"`);
      const { deltaRows, fold } = foldingOf(
        client,
        'agent_counter_deltas',
        'fold_agent_counter_deltas',
        foldLock,
      );
      await withTestClient(async (folder) => {
        // Another transaction folding: this store's folds, and ours, pass by without waiting.
        await folder.query('SELECT pg_advisory_lock($1)', [foldLock]);
        for (const change of await decisionChanges(store, 3)) await store.commitTask(change);
        const before = await store.listAgentCounts();
        expect(before).toEqual([{ agentId: 'forge', considered: 3, bids: 3, won: 3, winningBidSatsSum: 90 }]);
        expect(await deltaRows()).toBe(3); // one per batch and agent
        expect(await fold()).toBeNull();
        expect(await deltaRows()).toBe(3);
        await folder.query('SELECT pg_advisory_unlock($1)', [foldLock]);
      });
      expect(await fold()).toBe(3);
      expect(await deltaRows()).toBe(0);
      expect((await client.query('SELECT won::int FROM agent_counters')).rows).toEqual([{ won: 3 }]);
      expect(await store.listAgentCounts()).toEqual([
        { agentId: 'forge', considered: 3, bids: 3, won: 3, winningBidSatsSum: 90 },
      ]);
      expect((await store.agentCounts('forge')).won).toBe(3);
      // Folded and unfolded counts add up; an edited delta shows in verify as an edited counter does.
      const [more] = await decisionChanges(store, 1, 'u');
      await store.commitTask(more as NonNullable<typeof more>);
      expect((await store.agentCounts('forge')).won).toBe(4);
      expect((await verifyLog(store)).problems).toEqual([]);
      await client.query('UPDATE agent_counter_deltas SET won = won + 1');
      expect((await verifyLog(store)).problems).toEqual([
        'counters for forge disagree with the records: won 5 (records say 4)',
      ]);
      await client.query('UPDATE agent_counter_deltas SET won = won - 1');
      // A store closed cleanly leaves no deltas behind.
      await store.close();
      expect(await deltaRows()).toBe(0);
      expect((await client.query('SELECT won::int FROM agent_counters')).rows).toEqual([{ won: 4 }]);
    });
  });

  it('counts the tasks in hand from before migration 0016, then every writer’s changes, folded one folder at a time', async () => {
    const url = schemas.url();
    const schema = new URL(url).searchParams.get('schema') as string;
    const foldLock = foldLockKey(schema);
    // Tasks in hand under the previous version, which counted them with a GROUP BY.
    await asLeftBefore(schema, 16, async (client) => {
      const put = (id: string, status: string, agent: string | null) =>
        insertTaskRow(client, id, status, agent);
      await put('t1', 'offered', 'amy');
      await put('t2', 'accepted', 'amy');
      await put('t3', 'offered', 'bob');
      await put('t4', 'open', null);
      await put('t5', 'completed', 'bob');
    });
    const store = open(url);
    expect(Object.fromEntries(await store.inFlightByAgent())).toEqual({ amy: 2, bob: 1 });
    await withTestClient(async (client) => {
      await client.query(`SET search_path TO "${schema}"`);
      const { deltaRows, fold } = foldingOf(client, 'agent_load_deltas', 'fold_agent_load_deltas', foldLock);
      expect(await deltaRows()).toBe(0); // the migration counted them into agent_loads
      // Writers that are not this store's statements count too: the trigger sees every change.
      await withTestClient(async (folder) => {
        await folder.query('SELECT pg_advisory_lock($1)', [foldLock]);
        await client.query(`UPDATE tasks SET status = 'completed' WHERE task_id = 't1'`);
        await client.query(
          `UPDATE tasks SET status = 'offered', assigned_agent = 'bob' WHERE task_id = 't2'`,
        );
        await client.query(`DELETE FROM tasks WHERE task_id = 't3'`);
        await client.query(`UPDATE tasks SET status = 'offered', assigned_agent = 'cy' WHERE task_id = 't4'`);
        await client.query(`UPDATE tasks SET description = 'edited', version = 2 WHERE task_id = 't4'`);
        // A session whose search path is elsewhere counts into this schema's deltas all the same.
        await withTestClient(async (elsewhere) => {
          await elsewhere.query(`UPDATE "${schema}".tasks SET status = 'accepted' WHERE task_id = 't5'`);
          await elsewhere.query(`UPDATE "${schema}".tasks SET status = 'completed' WHERE task_id = 't5'`);
        });
        expect(Object.fromEntries(await store.inFlightByAgent())).toEqual({ bob: 1, cy: 1 });
        expect(await deltaRows()).toBe(7); // −1 amy, −1 amy +1 bob, −1 bob, +1 cy, +1 −1 bob; the edit none
        expect(await fold()).toBeNull(); // another transaction holds the fold lock
        await folder.query('SELECT pg_advisory_unlock($1)', [foldLock]);
      });
      expect(await fold()).toBe(7);
      expect(await deltaRows()).toBe(0);
      expect(Object.fromEntries(await store.inFlightByAgent())).toEqual({ bob: 1, cy: 1 });
      // verify compares the counts with the tasks, as it does the agents' counters with the records.
      expect((await verifyLog(store)).problems).toEqual([]);
      await client.query(`UPDATE agent_loads SET n = n + 2 WHERE agent_id = 'bob'`);
      await client.query(`INSERT INTO agent_load_deltas (agent_id, delta) VALUES ('dee', 1)`);
      expect((await verifyLog(store)).problems).toEqual([
        'tasks in hand for bob counted as 3 (the tasks say 1)',
        'tasks in hand for dee counted as 1 (the tasks say 0)',
      ]);
    });
  });

  it("vacuums the deltas' tables after a fold, so that their pages are used again without autovacuum", async () => {
    const url = schemas.url();
    const schema = new URL(url).searchParams.get('schema') as string;
    const store = open(url, { vacuumEveryMs: 0 });
    // Decided and offered to forge: a counter delta and a load delta each.
    for (const change of await decisionChanges(store, 2)) {
      const offered = { ...change.task, status: 'offered' as const, assignedAgent: 'forge' };
      await store.commitTask({ ...change, task: offered });
    }
    const vacuums = () =>
      withTestClient(async (client) => {
        const rows = (
          await client.query<{ relname: string; n: number }>(
            `SELECT relname, vacuum_count::int AS n FROM pg_stat_user_tables
             WHERE schemaname = $1 AND relname LIKE 'agent_%_deltas' ORDER BY relname`,
            [schema],
          )
        ).rows;
        return Object.fromEntries(rows.map((r) => [r.relname, r.n]));
      });
    expect(await vacuums()).toEqual({ agent_counter_deltas: 0, agent_load_deltas: 0 });
    // A fold is due FOLD_EVERY_MS after the store opened; the next read of the loads starts it.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(Object.fromEntries(await store.inFlightByAgent())).toEqual({ forge: 2 });
    await expect.poll(vacuums, { timeout: 5_000 }).toEqual({ agent_counter_deltas: 1, agent_load_deltas: 1 });
    expect(Object.fromEntries(await store.inFlightByAgent())).toEqual({ forge: 2 });
  });

  it('keeps the counted loads equal to a count of the tasks through any sequence of changes and folds', async () => {
    const url = schemas.url();
    const schema = new URL(url).searchParams.get('schema') as string;
    const foldLock = foldLockKey(schema);
    const store = open(url);
    await store.countOpenTasks(); // migrated
    const statuses = ['open', 'offered', 'accepted', 'completed', 'failed', 'unassigned', 'expired'];
    const ids = ['t0', 't1', 't2'];
    // Mostly changes of status and agent; folds and deletions now and then.
    const step = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          task: fc.constantFrom(...ids),
          status: fc.constantFrom(...statuses),
          agent: fc.constantFrom<string | null>('amy', 'bob', null),
        }),
      },
      { weight: 1, arbitrary: fc.constant('fold' as const) },
      { weight: 1, arbitrary: fc.record({ remove: fc.constantFrom(...ids) }) },
    );
    await withTestClient(async (client) => {
      await client.query(`SET search_path TO "${schema}"`);
      const truth = async () =>
        Object.fromEntries(
          (
            await client.query<{ a: string; n: number }>(
              `SELECT assigned_agent AS a, count(*)::int AS n FROM tasks
               WHERE status IN ('offered', 'accepted') AND assigned_agent IS NOT NULL GROUP BY 1`,
            )
          ).rows.map((r) => [r.a, r.n]),
        );
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 20 }), async (steps) => {
          await client.query('TRUNCATE tasks, agent_loads, agent_load_deltas CASCADE');
          for (const id of ids) await insertTaskRow(client, id, 'open', null);
          for (const s of steps) {
            if (s === 'fold') await client.query('SELECT fold_agent_load_deltas($1)', [foldLock]);
            else if ('remove' in s) await client.query('DELETE FROM tasks WHERE task_id = $1', [s.remove]);
            else {
              await client.query('UPDATE tasks SET status = $2, assigned_agent = $3 WHERE task_id = $1', [
                s.task,
                s.status,
                s.agent,
              ]);
            }
            expect(Object.fromEntries(await store.inFlightByAgent())).toEqual(await truth());
          }
        }),
        { numRuns: 60 },
      );
    });
  });

  it('counts the open auctions with a scan that marks the index entries of closed ones dead, which a bitmap scan never does', async () => {
    const url = schemas.url();
    const schema = new URL(url).searchParams.get('schema') as string;
    const store = open(url);
    expect(await store.countOpenTasks()).toBe(0); // migrated
    await withTestClient(async (client) => {
      await client.query(`SET search_path TO "${schema}"`);
      // Left to this test: a vacuum would remove the dead rows' entries itself.
      await client.query('ALTER TABLE tasks SET (autovacuum_enabled = off)');
      // Long enough rows for the planner to choose its bitmap scan, as on a table of real tasks.
      for (let i = 1; i <= 200; i++)
        await insertTaskRow(client, `t${String(i).padStart(3, '0')}`, 'open', null, 'x'.repeat(500));
      // Closed as a decision closes them: status is indexed, so each row's 'open' entry stays behind.
      await client.query(`UPDATE tasks SET status = 'unassigned' WHERE task_id <= 't180'`);
      const countOpen = `SELECT count(*) FROM tasks WHERE status = 'open'`;
      const explained = async (sql: string) =>
        (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`)).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
      // Without migration 0017 the planner counts them with a bitmap scan, as it did in bench:scale.
      expect(await explained(countOpen)).toContain('Bitmap Index Scan on tasks_by_status');
      // The 'open' entries such a scan still finds: dead ones included, until a scan marks them.
      const openEntries = async (): Promise<number> => {
        const plan = await explained(`(ANALYZE) ${countOpen}`);
        const found = /Bitmap Index Scan on tasks_by_status .*actual time=\S+ rows=(\d+)/.exec(plan)?.[1];
        if (found === undefined) throw new Error(`not a bitmap scan:\n${plan}`);
        return Number(found);
      };
      expect(await openEntries()).toBe(200);
      expect(await openEntries()).toBe(200); // a bitmap scan marks nothing
      // The store's count meets the dead rows once and marks their entries, once no transaction can
      // see those rows any more (another test file's open snapshot may hold that back a moment).
      expect(await store.countOpenTasks()).toBe(20);
      await expect
        .poll(
          async () => {
            await store.countOpenTasks();
            return openEntries();
          },
          { timeout: 10_000 },
        )
        .toBe(20);
    });
  });

  it("does not wait for another schema's chain: deployments on one database share no lock", async () => {
    const url = schemas.url();
    const store = open(url);
    const changes = await decisionChanges(store, 1);
    await withTestClient(async (other) => {
      await other.query('SELECT pg_advisory_lock($1)', [chainLockKey('some_other_schema')]);
      const before = store.contention.transactions;
      const committed = await store.commitTask(changes[0] as (typeof changes)[number]);
      expect(committed?.decision?.seq).toBe(1);
      expect(store.contention.lockWaits).toBe(0);
      // Uncontended, the batch commits flushed, in one transaction: no flush of its own after it.
      expect(store.contention.transactions).toBe(before + 1);
    });
  });

  it('lets the chain lock go unflushed when another holds it lately, and answers once the WAL is flushed', async () => {
    const url = schemas.url();
    const store = open(url);
    const changes = await decisionChanges(store, 3);
    await store.commitTask(changes[0] as (typeof changes)[number]); // interns the keys
    const schema = new URL(url).searchParams.get('schema') as string;
    const chainLock = chainLockKey(schema);
    await withTestClient(async (client) => {
      await client.query(`SET search_path TO "${schema}"`);
      // Asked to (or having waited for the chain), the wrapper commits its transaction unflushed, and
      // no other; not asked and not waiting, it leaves the session's setting.
      const none = Array.from({ length: 35 }, () => "'{}'").join(', ');
      for (const asked of [true, false]) {
        await client.query('BEGIN');
        await client.query(`SELECT * FROM commit_decisions_unflushed(${none}, 'token', 1, false, ${asked})`);
        const setting = (await client.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
        expect(setting).toBe(asked ? 'off' : 'on');
        await client.query('COMMIT');
        expect((await client.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('on');
      }
      // Where the decisions' own transaction had written WAL to, recorded as it wrote them, must be
      // on disk by the time the store answers (without the store's flush, the WAL writer gets there
      // only within its delay, 200 ms by default).
      await client.query('CREATE TABLE wal_marks (lsn pg_lsn)');
      await client.query(`CREATE FUNCTION mark_wal() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO wal_marks VALUES (pg_current_wal_insert_lsn()); RETURN NULL; END $$`);
      await client.query(
        'CREATE TRIGGER mark_wal AFTER INSERT ON task_events FOR EACH STATEMENT EXECUTE FUNCTION mark_wal()',
      );
      // The chain held, as another instance appending would: the batch waits, so commits unflushed.
      await client.query('SELECT pg_advisory_lock($1)', [chainLock]);
      const before = store.contention.transactions;
      const commits = changes.slice(1).map((change) => store.commitTask(change));
      await expect.poll(async () => (await waitersFor(client, chainLock)).length, { timeout: 5_000 }).toBe(1);
      await client.query('SELECT pg_advisory_unlock($1)', [chainLock]);
      const committed = await Promise.all(commits);
      const flushed = (
        await client.query(
          'SELECT pg_current_wal_flush_lsn() >= max(lsn) AS flushed, count(*)::int AS marks FROM wal_marks',
        )
      ).rows[0];
      expect(committed.map((c) => c?.decision?.seq).sort()).toEqual([2, 3]);
      expect(flushed).toEqual({ flushed: true, marks: 1 });
      expect(store.contention.transactions).toBe(before + 2); // the batch, and its flush
    });
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

  it('announces each change of an agent to the other stores, and nothing for a write that changed nothing', async () => {
    const url = schemas.url();
    const a = open(url);
    const b = open(url);
    const heardByA: string[] = [];
    const heardByB: string[] = [];
    let commitsHeardByB = 0;
    const stopA = await a.watchCommits(
      () => undefined,
      (agentId) => heardByA.push(agentId),
    );
    const stopB = await b.watchCommits(
      () => commitsHeardByB++,
      (agentId) => heardByB.push(agentId),
    );
    const manifest = (agentId: string) => ({
      agentId,
      agentName: agentId,
      capabilities: ['x'],
      keywords: [],
      rateSats: 1,
    });
    const agent = (agentId: string) => ({
      manifest: manifest(agentId),
      tokenHash: null,
      registeredAtMs: 1,
      lastHeartbeatMs: 1,
    });
    // An id no other notification could be mistaken for: JSON, quotes and a brace in it.
    const odd = '{"x": 1} ü';
    expect(await a.addAgent(agent(odd))).toBe(true);
    expect(await a.addAgent(agent(odd))).toBe(false);
    expect(await a.updateAgentManifest({ ...manifest(odd), rateSats: 2 })).toBe(true);
    expect(await a.updateAgentManifest(manifest('nobody'))).toBe(false);
    expect(await a.recordHeartbeat(odd, 5)).toBe(true); // frequent: read with all agents, not announced
    expect(await a.deleteAgent(odd)).toBe(true);
    expect(await a.deleteAgent(odd)).toBe(false);
    expect(await a.addAgent(agent('last'))).toBe(true);
    await expect.poll(() => heardByB.at(-1), { timeout: 5_000 }).toBe('last');
    expect(heardByB).toEqual([odd, odd, odd, 'last']);
    expect(heardByA).toEqual([]);
    expect(commitsHeardByB).toBe(0);
    await stopA();
    await stopB();
  });

  it('announces a burst of commits in fewer notifications, the last one after the last commit', async () => {
    const url = schemas.url();
    const a = open(url);
    await a.countDecisions(); // migrated
    const schema = new URL(url).searchParams.get('schema') as string;
    await withTestClient(async (listener) => {
      const heard: number[] = [];
      listener.on('notification', () => heard.push(performance.now()));
      await listener.query(`LISTEN "swarm_router_${schema}"`);
      const tasks = Array.from({ length: 60 }, (_, i) => taskAt(`burst-${i}`, 1_000));
      await Promise.all(tasks.map((t) => a.createTask(t, [posted(t)])));
      const lastCommitted = performance.now();
      await expect.poll(() => heard.at(-1) ?? 0, { timeout: 5_000 }).toBeGreaterThan(lastCommitted);
      expect(heard.length).toBeLessThan(tasks.length);
    });
  });

  it('reads events only up to a gap that may still fill, and past one left by a rollback', async () => {
    const url = schemas.url();
    const a = open(url, { eventGapWaitMs: 300 });
    await a.countDecisions(); // migrated
    const schema = new URL(url).searchParams.get('schema') as string;
    await withTestClient(async (other) => {
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
    });
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

  it('refuses only the item with U+0000 when it arrives together with good ones', async () => {
    const url = schemas.url();
    const store = open(url);
    const first = taskAt('p0', 1_000, 60_000);
    await store.createTask(first, [posted(first)]);
    const posts = ['p1', 'p2\u0000', 'p3'].map((id) => {
      const task = taskAt(id, 1_000, 60_000);
      return store.createTask(task, [posted(task)]);
    });
    const bid = (taskId: string) =>
      store.addBid(taskId, { agentId: 'a', bidSats: 5 }, 1_100, {
        kind: 'bid:received',
        taskId,
        agentId: 'a',
        atMs: 1_100,
        data: {},
      });
    const bids = [bid('p0'), bid('p0\u0000'), bid('p0x')];
    const settled = await Promise.allSettled([...posts, ...bids]);
    const codes = settled.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code));
    expect(codes).toEqual(['ok', 'invalid_request', 'ok', 'ok', 'invalid_request', 'unknown_task']);
    expect((await store.listTasks({ limit: 10 })).tasks.map((t) => t.taskId).sort()).toEqual([
      'p0',
      'p1',
      'p3',
    ]);
    expect((await store.getTask('p0'))?.bids).toEqual([{ agentId: 'a', bidSats: 5 }]);
  });

  it('keeps the bids stored before migration 0014 in their tasks, in arrival order, and refuses a second bid of the same agent', async () => {
    const url = schemas.url();
    const schema = new URL(url).searchParams.get('schema') as string;
    // The schema as the previous version left it: each bid a row of task_bids, numbered in arrival
    // order, and its task's version bumped once per bid.
    await asLeftBefore(schema, 14, async (client) => {
      for (const [id, version] of [
        ['u1', 3],
        ['u2', 1],
      ] as const) {
        await client.query(
          `INSERT INTO tasks (task_id, description, constraints, status, created_ms, closes_ms, candidates,
             offer_index, failures, version, updated_ms, due_ms)
           VALUES ($1, 'old task', '{}', 'open', 1000, 61000, '[]', 0, 0, $2, 1000, 61000)`,
          [id, version],
        );
      }
      await client.query(
        `INSERT INTO task_bids (task_id, agent_id, bid_sats, received_ms)
         VALUES ('u1', 'zed', 30, 1100), ('u1', 'amy', 10, 1200), ('u2', 'amy', 20, 1300), ('u1', 'kim', 40, 1400)`,
      );
    });
    const store = open(url);
    const u1 = await store.getTask('u1');
    // Arrival order, not the agents' order.
    expect(u1?.bids).toEqual([
      { agentId: 'zed', bidSats: 30 },
      { agentId: 'amy', bidSats: 10 },
      { agentId: 'kim', bidSats: 40 },
    ]);
    expect(u1?.version).toBe(3);
    expect((await store.getTask('u2'))?.bids).toEqual([{ agentId: 'amy', bidSats: 20 }]);
    const bid = (agentId: string, bidSats: number) =>
      store.addBid('u1', { agentId, bidSats }, 1_500, {
        kind: 'bid:received',
        taskId: 'u1',
        agentId,
        atMs: 1_500,
        data: {},
      });
    await expect(bid('amy', 5)).rejects.toMatchObject({ code: 'duplicate_bid' });
    const added = await bid('lea', 50);
    expect(added.task.bids.map((b) => b.agentId)).toEqual(['zed', 'amy', 'kim', 'lea']);
    expect(added.task.version).toBe(4);
    const listed = (await store.listTasks({ limit: 10 })).tasks.find((t) => t.taskId === 'u1');
    expect(listed?.bids).toEqual(added.task.bids);
    const table = await withTestClient(
      async (client) =>
        (await client.query(`SELECT to_regclass($1) AS t`, [`"${schema}".task_bids`])).rows[0].t,
    );
    expect(table).toBeNull();
  });

  it('counts the batches its writes were stored in: what arrives in one turn shares one', async () => {
    const store = open(schemas.url());
    await store.countDecisions(); // migrated
    const tasks = ['b1', 'b2', 'b3'].map((id) => taskAt(id, 1_000, 60_000));
    await Promise.all(tasks.map((t) => store.createTask(t, [posted(t)])));
    const bids = ['a', 'b'].map((agentId) =>
      store.addBid('b1', { agentId, bidSats: 5 }, 1_100, {
        kind: 'bid:received',
        taskId: 'b1',
        agentId,
        atMs: 1_100,
        data: {},
      }),
    );
    await Promise.all(bids);
    expect(store.contention.batched).toEqual({
      tasks: { batches: 1, items: 3 },
      bids: { batches: 1, items: 2 },
      decisions: { batches: 0, items: 0 },
    });
  });

  it('counts changes not sealed yet as pending, vouching for nothing, and checks them once sealed', async () => {
    const url = schemas.url();
    const store = open(url);
    const schema = new URL(url).searchParams.get('schema') as string;
    expect(await store.countDecisions()).toBe(0); // migrated
    await withTestClient(async (other) => {
      // Another instance sealing, for as long as it likes: this one's changes stay pending meanwhile.
      await other.query('SELECT pg_advisory_lock($1)', [sealLockKey(schema)]);
      const task = taskAt('t-pending', 1_000);
      await store.createTask(task, [posted(task)]);
      await store.addBid('t-pending', { agentId: 'a', bidSats: 5 }, 1_100, {
        kind: 'bid:received',
        taskId: 't-pending',
        agentId: 'a',
        atMs: 1_100,
        data: { bidSats: 5 },
      });
      const pending = await verifyLog(store);
      expect(pending.ok).toBe(true);
      // The task, its bid, and two events: left out of the comparison, counted.
      expect(pending.ledger).toMatchObject({ ok: true, entries: 1, pending: 4, problems: [] });
      await other.query(`UPDATE "${schema}".tasks SET description = 'edited' WHERE task_id = 't-pending'`);
      expect((await verifyLog(store)).ledger?.problems).toEqual([]); // pending: not vouched for, not named
      await other.query(
        `UPDATE "${schema}".tasks SET description = 'task t-pending' WHERE task_id = 't-pending'`,
      );
      await other.query('SELECT pg_advisory_unlock($1)', [sealLockKey(schema)]);
    });
    // Sealed now, by this call or by the store's own sealer, whichever took the lock first.
    await store.sealPending();
    expect((await verifyLog(store)).ledger).toMatchObject({ ok: true, entries: 5, pending: 0, problems: [] });
    await withTestClient((client) =>
      client.query(`UPDATE "${schema}".tasks SET description = 'edited' WHERE task_id = 't-pending'`),
    );
    expect((await verifyLog(store)).ledger?.problems).toEqual([
      'task t-pending: description is edited, sealed as task t-pending',
    ]);
  });

  it('seals what several instances write at once into one gap-free ledger, by itself soon after', async () => {
    const url = schemas.url();
    const [a, b] = [open(url), open(url)];
    const schema = new URL(url).searchParams.get('schema') as string;
    const tasks = Array.from({ length: 20 }, (_, i) => taskAt(`t${i}`, 1_000, 10_000));
    await Promise.all(tasks.map((task, i) => (i % 2 === 0 ? a : b).createTask(task, [posted(task)])));
    await Promise.all(
      tasks.flatMap((task, i) =>
        ['x', 'y', 'z'].map((agentId, k) =>
          ((i + k) % 2 === 0 ? a : b).addBid(task.taskId, { agentId, bidSats: 10 + k }, 2_000, {
            kind: 'bid:received',
            taskId: task.taskId,
            agentId,
            atMs: 2_000,
            data: { bidSats: 10 + k },
          }),
        ),
      ),
    );
    // Nobody asks: the instances' sealers take it all within a moment of the last write.
    const pendingRows = () =>
      withTestClient(
        async (client) =>
          (await client.query(`SELECT count(*)::int AS n FROM "${schema}".ledger_pending`)).rows[0]
            .n as number,
      );
    await expect.poll(pendingRows, { timeout: 10_000, interval: 100 }).toBe(0);
    // Per task: itself and its post, three bids and their events.
    expect((await verifyLog(a)).ledger).toMatchObject({
      ok: true,
      entries: 1 + 20 * 8,
      pending: 0,
      problems: [],
    });
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
    expect(() => new PostgresStore({ url: `${TEST_PG_URL}?synchronous_commit=sometimes` })).toThrow(
      /synchronous_commit 'sometimes' in the database URL is not one of on, off/,
    );
    expect(() => new PostgresStore({ url: TEST_PG_URL, sweepGraceMs: -1 })).toThrow(
      /sweepGraceMs to be a number of ms ≥ 0, got -1/,
    );
    expect(() => new PostgresStore({ url: TEST_PG_URL, vacuumEveryMs: Number.NaN })).toThrow(
      /vacuumEveryMs to be a number of ms ≥ 0, got NaN/,
    );
  });
});
