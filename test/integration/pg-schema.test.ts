import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verifyLog } from '../../src/audit/verify.js';
import type { NewTaskEvent } from '../../src/events/task-event.js';
import { createRouter } from '../../src/router/create-router.js';
import { applyFunctions, loadFunctions, quoteIdent } from '../../src/store/postgres/pg-migrator.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { newTask, type Task } from '../../src/tasks/task.js';
import { requirePostgres, testSchemas, withTestClient } from '../helpers/postgres.js';
import { ITEM_SEPARATOR, schemaSnapshot } from './pg-schema-snapshot.js';

const available = await requirePostgres();
const schemas = testSchemas('pgschema');
afterAll(() => schemas.dropAll());

const functions = loadFunctions(new URL('../../src/store/postgres/functions/', import.meta.url));

/**
 * What a new schema held once migrated by the store whose migrations still carried every function
 * body, each definition replaced by the next (pg-schema.fixture.sql says how it was taken).
 */
const expected = readFileSync(new URL('./pg-schema.fixture.sql', import.meta.url), 'utf8')
  .replace(/\n$/, '')
  .split(ITEM_SEPARATOR)
  .slice(1); // the header

describe('the PostgreSQL functions/ files', () => {
  it('define each function with CREATE OR REPLACE only, so that applying them again replaces them', () => {
    expect(functions.length).toBeGreaterThan(0);
    for (const { file, sql } of functions) {
      const statements = sql.match(/^CREATE\b.*$/gm) ?? [];
      expect(statements.length, file).toBeGreaterThan(0);
      for (const statement of statements) expect(statement, file).toMatch(/^CREATE OR REPLACE FUNCTION /);
    }
  });
});

describe.runIf(available)('PostgreSQL schema', () => {
  const opened: PostgresStore[] = [];
  const open = (url: string) => {
    const store = new PostgresStore({ url });
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  const schemaOf = (url: string) => new URL(url).searchParams.get('schema') as string;
  const snapshot = (url: string) => withTestClient((client) => schemaSnapshot(client, schemaOf(url)));
  const migrations = (url: string) =>
    withTestClient(
      async (client) =>
        (
          await client.query<{ version: number; name: string; applied_at_ms: number }>(
            `SELECT version, name, applied_at_ms::float8 FROM ${quoteIdent(schemaOf(url))}.schema_migrations ORDER BY version`,
          )
        ).rows,
    );
  /** Runs `work` on a client whose search path is the schema of `url`, in one transaction. */
  const inSchema = (url: string, work: (client: pg.Client) => Promise<void>) =>
    withTestClient(async (client) => {
      await client.query('BEGIN');
      await client.query(`SET LOCAL search_path TO ${quoteIdent(schemaOf(url))}`);
      await work(client);
      await client.query('COMMIT');
    });

  /** An auction through every function of the schema: add_bids, commit_decisions and what they call. */
  const auction = async (store: PostgresStore, taskId: string) => {
    const task = newTask(
      {
        taskId,
        description: 'Fix the bug in the auth code',
        constraints: {},
        biddingWindowMs: 60_000,
        deadlineMs: null,
      },
      1_000,
    );
    const posted: NewTaskEvent = { kind: 'task:posted', taskId, agentId: null, atMs: 1_000, data: {} };
    await store.createTask(task, [posted]);
    const bid = await store.addBid(taskId, { agentId: 'forge', bidSats: 30 }, 1_500, {
      kind: 'bid:received',
      taskId,
      agentId: 'forge',
      atMs: 1_500,
      data: {},
    });
    const router = createRouter({ scorer: 'classic', allowUnregisteredBidders: true });
    router.registerPersona('forge', 'forge');
    const decision = router.decide({ taskId, description: task.description, bids: [...bid.task.bids] });
    const committed = await store.commitTask({
      task: { ...bid.task, status: 'unassigned', version: bid.task.version + 1, updatedMs: 2_000 },
      expectedVersion: bid.task.version,
      decision,
      events: (done: Task) => [{ ...posted, kind: 'task:decided', atMs: done.updatedMs }],
    });
    expect(committed?.decision?.hash).toMatch(/^[0-9a-f]{64}$/);
    await store.sealPending();
    expect((await verifyLog(store)).problems).toEqual([]);
  };

  it('migrates a new schema to what the migrations made when they carried every function body', async () => {
    const url = schemas.url();
    const store = open(url);
    await auction(store, 't1');
    expect(await snapshot(url)).toEqual(expected);
  });

  it('changes nothing when the functions are applied again, or a second instance starts', async () => {
    const url = schemas.url();
    await auction(open(url), 't1');
    const applied = await migrations(url);
    await inSchema(url, (client) => applyFunctions(client, functions));
    expect(await snapshot(url)).toEqual(expected);
    // A second instance finds the schema current: it applies no migration, so no function either.
    const second = open(url);
    await auction(second, 't2');
    expect(await migrations(url)).toEqual(applied);
    expect(await snapshot(url)).toEqual(expected);
  });

  it('opens a schema whose migrations an earlier version named otherwise, by version, as it is', async () => {
    const url = schemas.url();
    await open(url).countDecisions();
    await inSchema(url, async (client) => {
      await client.query(`UPDATE schema_migrations SET name = 'as_an_earlier_version_named_it_' || version`);
    });
    const before = await migrations(url);
    await auction(open(url), 't1');
    expect(await migrations(url)).toEqual(before);
    expect(await snapshot(url)).toEqual(expected);
  });

  it('applies the functions again with any migration a schema lacks, in its transaction', async () => {
    const url = schemas.url();
    await open(url).countDecisions();
    // A schema whose count_open_tasks differs, which lacks a migration (one that only names a function).
    await inSchema(url, async (client) => {
      await client.query(
        `CREATE OR REPLACE FUNCTION count_open_tasks() RETURNS bigint LANGUAGE sql AS 'SELECT 7'`,
      );
      await client.query('DELETE FROM schema_migrations WHERE version = 17');
    });
    expect(await snapshot(url)).not.toEqual(expected);
    const store = open(url);
    expect(await store.countOpenTasks()).toBe(0);
    expect((await migrations(url)).map((m) => m.version)).toContain(17);
    expect(await snapshot(url)).toEqual(expected);
  });
});
