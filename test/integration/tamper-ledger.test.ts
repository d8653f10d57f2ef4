import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLog } from '../../src/audit/verify.js';
import { EventBus } from '../../src/events/event-bus.js';
import { isRouterError } from '../../src/kernel/errors.js';
import { createRouter } from '../../src/router/create-router.js';
import { TaskService } from '../../src/service/task-service.js';
import { createStore } from '../../src/store/create-store.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { requirePostgres, TEST_PG_URL, testSchemas } from '../helpers/postgres.js';
import { cli } from '../helpers/run-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * The ledger of row changes (src/chain/ledger-entry.ts): a log written by the real task service, then
 * one row of one sealed table edited, inserted or deleted with raw SQL behind the router's back;
 * `verify` must fail and name that row. An untouched log verifies.
 */
const dir = tempDir('swarm-router-ledger-');
const schemas = testSchemas('ledger');
afterAll(() => schemas.dropAll());

/** Raw SQL on the database behind `db`, as an attacker with the file or a connection would run it. */
interface Engine {
  readonly name: string;
  newDb(): string;
  /** Runs statements; resolves to the rows of the last one. */
  sql(db: string, ...statements: string[]): Promise<Record<string, unknown>[]>;
  /** Each engine's own spelling of the edits below. */
  readonly spell: Spelling;
}

interface Spelling {
  /** The completed column of an outcome as the other status. */
  readonly flipOutcome: string;
  /** A bid's sats changed: the task's first bid. */
  readonly editBid: (taskId: string) => string;
  readonly fakeOutcome: string;
  /** A token hash (hex) as a literal of the column's type. */
  readonly bytes: (hex: string) => string;
  /** Takes a log back to the shape the version before the ledger left it. */
  readonly forgetLedger: readonly string[];
}

const sqlite: Engine = {
  name: 'SQLite',
  newDb: () => tempDbPath(dir),
  async sql(db, ...statements) {
    const handle = new Database(db);
    handle.pragma('foreign_keys = OFF'); // an attacker editing the file is not bound by them
    try {
      let rows: Record<string, unknown>[] = [];
      for (const statement of statements) {
        const prepared = handle.prepare(statement);
        if (prepared.reader) rows = prepared.all() as Record<string, unknown>[];
        else prepared.run();
      }
      return rows;
    } finally {
      handle.close();
    }
  },
  spell: {
    flipOutcome: 'UPDATE outcomes SET completed = 1 - completed WHERE outcome_seq = 1',
    editBid: (taskId) =>
      `UPDATE task_bids SET bid_sats = bid_sats + 7 WHERE task_id = '${taskId}' AND bid_order = 0`,
    fakeOutcome: `INSERT INTO outcomes (seq, agent_key, completed, duration_ms, recorded_ms)
      SELECT o.seq, k.agent_key, 1, 5, o.recorded_ms FROM outcomes o, agent_keys k
      WHERE o.outcome_seq = 1 AND k.agent_key <> o.agent_key ORDER BY k.agent_key LIMIT 1`,
    bytes: (hex) => `x'${hex}'`,
    forgetLedger: ['DROP TABLE ledger', 'DELETE FROM schema_migrations WHERE version = 9'],
  },
};

const postgres: Engine = {
  name: 'PostgreSQL',
  newDb: () => schemas.url(),
  async sql(db, ...statements) {
    const schema = new URL(db).searchParams.get('schema') as string;
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      await client.query(`SET search_path TO "${schema}"`);
      let rows: Record<string, unknown>[] = [];
      for (const statement of statements) rows = (await client.query(statement)).rows;
      return rows;
    } finally {
      await client.end();
    }
  },
  spell: {
    flipOutcome: 'UPDATE outcomes SET completed = NOT completed WHERE outcome_seq = 1',
    editBid: (taskId) => `UPDATE tasks SET bid_sats[1] = bid_sats[1] + 7 WHERE task_id = '${taskId}'`,
    fakeOutcome: `INSERT INTO outcomes (seq, agent_key, completed, duration_ms, recorded_ms)
      SELECT o.seq, k.agent_key, true, 5, o.recorded_ms FROM outcomes o, agent_keys k
      WHERE o.outcome_seq = 1 AND k.agent_key <> o.agent_key ORDER BY k.agent_key LIMIT 1`,
    bytes: (hex) => `decode('${hex}', 'hex')`,
    forgetLedger: [
      'DROP TABLE ledger',
      'DROP TABLE ledger_pending',
      'DELETE FROM schema_migrations WHERE version = 19',
    ],
  },
};

const ENGINES = [sqlite, ...((await requirePostgres()) ? [postgres] : [])];

const SCOUT = {
  agentId: 'scout',
  agentName: 'Scout',
  capabilities: ['research'],
  keywords: ['scout'],
  rateSats: 5,
};

/**
 * A log as the service writes it: agents registered, changed and removed (scout, with a token; ghost,
 * removed), and three tasks through their lives — t-done completed by its agent
 * (outcome 1), t-failed failed by its first (outcome 2), t-open still taking bids — and returns what
 * the tests name.
 */
async function writeLog(db: string) {
  const clock = new FakeClock();
  const store = createStore({ location: db });
  const router = createRouter({ store, clock });
  for (const p of ['echo', 'forge', 'quill']) router.registerPersona(p);
  const service = await TaskService.open({
    router,
    store,
    clock,
    events: new EventBus(),
    settings: { reservationMs: 5_000, maxAttempts: 2, defaultBiddingWindowMs: 1_000 },
  });
  try {
    await store.addAgent({
      manifest: SCOUT,
      tokenHash: 'ab'.repeat(32),
      registeredAtMs: 1_000,
      lastHeartbeatMs: 1_000,
    });
    await store.updateAgentManifest({ ...SCOUT, rateSats: 7 });
    await store.recordHeartbeat('scout', 2_000);
    const ghost = { ...SCOUT, agentId: 'ghost', agentName: 'Ghost' };
    await store.addAgent({ manifest: ghost, tokenHash: null, registeredAtMs: 1_500, lastHeartbeatMs: 1_500 });
    await store.deleteAgent('ghost');
    const post = (taskId: string, description: string) => service.post({ taskId, description });
    await post('t-done', 'Fix the bug in the auth code');
    await post('t-failed', 'Fix the crash in the parser code');
    for (const taskId of ['t-done', 't-failed']) {
      await service.bid(taskId, 'forge', 30);
      await service.bid(taskId, 'quill', 45);
    }
    clock.advance(1_000);
    await service.runDue();
    const done = await service.get('t-done');
    const doneAgent = done.assignedAgent as string;
    await service.accept('t-done', doneAgent);
    await service.complete('t-done', doneAgent, 1_500, {
      summary: 'fixed the token check',
      files: ['auth.ts'],
    });
    const failed = await service.get('t-failed');
    const failedAgent = failed.assignedAgent as string;
    await service.accept('t-failed', failedAgent);
    await service.fail('t-failed', failedAgent, 800);
    await post('t-open', 'Write the release notes');
    await service.bid('t-open', 'quill', 20);
    await service.bid('t-open', 'forge', 60);
    await store.shared?.sealPending();
    return { doneAgent, doneSeq: done.decisionSeq as number, failedAgent };
  } finally {
    await service.stop();
    await router.close();
  }
}

async function verify(db: string) {
  const run = await cli(['verify', '--db', db]);
  return { code: run.code, text: run.stdout };
}

describe.each(ENGINES)('the ledger on $name', (engine) => {
  it('verifies an untouched log, and prints both heads', async () => {
    const db = engine.newDb();
    await writeLog(db);
    const run = await verify(db);
    expect(run.text).toMatch(
      /^all \d+ records verify; head hash [0-9a-f]{64}\nledger: all \d+ entries verify; head hash [0-9a-f]{64}\n$/,
    );
    expect(run.code).toBe(0);
  });

  /** Each case: raw SQL, then the line verify must print about the row it changed. */
  const cases: {
    what: string;
    sql: (spell: Spelling, log: Awaited<ReturnType<typeof writeLog>>) => string[];
    says: (log: Awaited<ReturnType<typeof writeLog>>) => RegExp;
  }[] = [
    {
      what: "an agent's token hash (taking the agent over)",
      sql: (spell) => [
        `UPDATE agents SET token_hash = ${spell.bytes('cd'.repeat(32))} WHERE agent_id = 'scout'`,
      ],
      says: () => /^ {2}- agent scout: token_hash differs from its sealed registration$/m,
    },
    {
      what: "an agent's manifest",
      sql: () => [
        `UPDATE agents SET manifest = replace(manifest, '"rateSats":7', '"rateSats":1') WHERE agent_id = 'scout'`,
      ],
      says: () =>
        /^ {2}- agent scout: manifest differs from its sealed registration \(rateSats is 1, sealed as 7\)$/m,
    },
    {
      what: "an agent's registration time",
      sql: () => ["UPDATE agents SET registered_ms = 1 WHERE agent_id = 'scout'"],
      says: () => /^ {2}- agent scout: registered_ms is 1, sealed as 1000$/m,
    },
    {
      what: 'a deleted agent',
      sql: () => ["DELETE FROM agents WHERE agent_id = 'scout'"],
      says: () => /^ {2}- agent scout: sealed as registered, but missing/m,
    },
    {
      what: 'an inserted agent',
      sql: () => [
        `INSERT INTO agents (agent_id, manifest, token_hash, registered_ms, heartbeat_ms)
         SELECT 'intruder', replace(manifest, 'scout', 'intruder'), NULL, registered_ms, heartbeat_ms FROM agents WHERE agent_id = 'scout'`,
      ],
      says: () => /^ {2}- agent intruder: stored, but never sealed/m,
    },
    {
      what: 'a removed agent brought back',
      sql: () => [
        `INSERT INTO agents (agent_id, manifest, token_hash, registered_ms, heartbeat_ms)
         SELECT 'ghost', replace(manifest, 'scout', 'ghost'), NULL, registered_ms, heartbeat_ms FROM agents WHERE agent_id = 'scout'`,
      ],
      says: () => /^ {2}- agent ghost: stored, but its sealed history ends with its removal$/m,
    },
    {
      what: "an outcome's status flipped",
      sql: (spell) => [spell.flipOutcome],
      says: (log) =>
        new RegExp(
          `^ {2}- outcome 1 \\(decision ${log.doneSeq}, agent ${log.doneAgent}\\): status is failed, sealed as completed$`,
          'm',
        ),
    },
    {
      what: "an outcome's duration",
      sql: () => ['UPDATE outcomes SET duration_ms = 1 WHERE outcome_seq = 1'],
      says: () => /^ {2}- outcome 1 \(decision \d+, agent \w+\): duration_ms is 1, sealed as 1500$/m,
    },
    {
      what: "an outcome's result",
      sql: () => [
        `UPDATE outcomes SET result = '{"summary":"forged","files":["auth.ts"]}' WHERE outcome_seq = 1`,
      ],
      says: () =>
        /^ {2}- outcome 1 \(decision \d+, agent \w+\): result is .*forged.*, sealed as .*fixed the token check/m,
    },
    {
      what: "an outcome's result erased",
      sql: () => ['UPDATE outcomes SET result = NULL WHERE outcome_seq = 1'],
      says: () => /^ {2}- outcome 1 \(decision \d+, agent \w+\): .*result/m,
    },
    {
      what: "an outcome's result made into something that is not JSON",
      sql: () => ["UPDATE outcomes SET result = 'not json' WHERE outcome_seq = 1"],
      says: () => /^ {2}- outcome 1 \(decision \d+, agent \w+\): .*result/m,
    },
    {
      what: 'a deleted outcome',
      sql: () => ['DELETE FROM outcomes WHERE outcome_seq = 2'],
      says: (log) =>
        new RegExp(
          `^ {2}- outcome 2 \\(decision \\d+, agent ${log.failedAgent}\\): sealed, but missing`,
          'm',
        ),
    },
    {
      what: 'an inserted outcome',
      sql: (spell) => [spell.fakeOutcome],
      says: () => /^ {2}- outcome 3 \(decision \d+, agent \S+\): stored, but never sealed/m,
    },
    {
      what: "a task's status",
      sql: () => ["UPDATE tasks SET status = 'failed' WHERE task_id = 't-done'"],
      says: () => /^ {2}- task t-done: status is failed, sealed as completed$/m,
    },
    {
      what: "a task's assignee",
      sql: () => ["UPDATE tasks SET assigned_agent = 'echo' WHERE task_id = 't-done'"],
      says: (log) =>
        new RegExp(`^ {2}- task t-done: assigned_agent is echo, sealed as ${log.doneAgent}$`, 'm'),
    },
    {
      what: "a task's description",
      sql: () => ["UPDATE tasks SET description = 'Nothing to see' WHERE task_id = 't-open'"],
      says: () => /^ {2}- task t-open: description is Nothing to see, sealed as Write the release notes$/m,
    },
    {
      what: "a bid's sats",
      sql: (spell) => [spell.editBid('t-open')],
      says: () =>
        /^ {2}- task t-open: bids is \[\["quill",27\],\["forge",60\]\], sealed as \[\["quill",20\],\["forge",60\]\]$/m,
    },
    {
      what: 'a deleted task',
      sql: () => ["DELETE FROM tasks WHERE task_id = 't-failed'"],
      says: () => /^ {2}- task t-failed: sealed, but missing/m,
    },
    {
      what: 'an inserted task',
      sql: () => [
        `INSERT INTO tasks (task_id, description, constraints, status, created_ms, closes_ms, candidates,
           offer_index, failures, version, updated_ms, due_ms)
         SELECT 't-fake', description, constraints, status, created_ms, closes_ms, candidates, offer_index,
           failures, version, updated_ms, due_ms FROM tasks WHERE task_id = 't-open'`,
      ],
      says: () => /^ {2}- task t-fake: stored, but never sealed/m,
    },
    {
      what: "an event's data",
      sql: () => [
        `UPDATE task_events SET data = replace(data, '"bidSats":60', '"bidSats":6')
         WHERE kind = 'bid:received' AND task_id = 't-open' AND agent_id = 'forge'`,
      ],
      says: () =>
        /^ {2}- event \d+ \(task t-open, bid:received\): data is \{"bidSats":6\}, sealed as \{"bidSats":60\}$/m,
    },
    {
      what: 'two events swapped (their order)',
      // t-open's two bids are the log's last two events (n-1: quill's, n: forge's): n-1 and n trade places.
      sql: () => [
        "UPDATE task_events SET event_id = -event_id WHERE task_id = 't-open' AND kind = 'bid:received'",
        'UPDATE task_events SET event_id = -event_id - 1 WHERE event_id = (SELECT min(event_id) FROM task_events)',
        'UPDATE task_events SET event_id = -event_id + 1 WHERE event_id < 0',
      ],
      says: () =>
        /^ {2}- event \d+ \(task t-open, bid:received\): agent_id is forge, sealed as quill; data is \{"bidSats":60\}, sealed as \{"bidSats":20\}$/m,
    },
    {
      what: 'a deleted event',
      sql: () => ["DELETE FROM task_events WHERE kind = 'task:completed'"],
      says: () => /^ {2}- event \d+ \(task t-done, task:completed\): sealed, but missing/m,
    },
    {
      what: "an event's kind",
      sql: () => ["UPDATE task_events SET kind = 'task:completed' WHERE kind = 'task:failed'"],
      says: () =>
        /^ {2}- event \d+ \(task t-failed, task:completed\): kind is task:completed, sealed as task:failed$/m,
    },
  ];

  it.each(cases)('names the row after $what', async ({ sql, says }) => {
    const db = engine.newDb();
    const log = await writeLog(db);
    await engine.sql(db, ...sql(engine.spell, log));
    const run = await verify(db);
    expect(run.code).toBe(1);
    expect(run.text).toMatch(
      /^all \d+ records verify; head hash [0-9a-f]{64}\nledger: all \d+ entries verify, but the rows they seal do not:\n/,
    );
    expect(run.text).toMatch(says(log));
  });

  it('seals a log from before the ledger as found, counts its unsealed history, and names a later edit', async () => {
    const db = engine.newDb();
    await writeLog(db);
    const rows = async (table: string) =>
      Number((await engine.sql(db, `SELECT count(*) AS n FROM ${table}`))[0]?.n);
    const [agents, tasks, events, outcomes] = [
      await rows('agents'),
      await rows('tasks'),
      await rows('task_events'),
      await rows('outcomes'),
    ];
    // The older version's log: the same rows, no ledger, its migration not applied.
    await engine.sql(db, ...engine.spell.forgetLedger);
    const opened = await verify(db); // opening it applies the migration, which begins the ledger
    expect(opened.code).toBe(0);
    expect(opened.text).toMatch(
      new RegExp(
        `^ledger: all ${1 + agents + tasks + events + outcomes} entries verify; head hash [0-9a-f]{64}\\n {2}unsealed history: ${agents + tasks + events + outcomes} rows were written before sealing began \\(${agents} agents, ${tasks} tasks, ${events} events, ${outcomes} outcomes\\)`,
        'm',
      ),
    );
    await engine.sql(db, engine.spell.flipOutcome);
    const edited = await verify(db);
    expect(edited.code).toBe(1);
    expect(edited.text).toMatch(
      /^ {2}- outcome 1 \(decision \d+, agent \w+\): status is failed, sealed as completed$/m,
    );
  });

  it('names a task whose due time no longer follows from its state (it would never close)', async () => {
    const db = engine.newDb();
    await writeLog(db);
    const [open] = await engine.sql(db, "SELECT closes_ms FROM tasks WHERE task_id = 't-open'");
    await engine.sql(db, "UPDATE tasks SET due_ms = NULL WHERE task_id = 't-open'");
    const run = await verify(db);
    expect(run.code).toBe(1);
    expect(run.text).toMatch(
      new RegExp(
        `^all \\d+ records verify, but what is kept beside them does not:\\n {2}- task t-open: due_ms is null, its state makes it ${Number(open?.closes_ms)} \\(when the timers look at it\\)$`,
        'm',
      ),
    );
  });

  it('leaves heartbeats out: a moved heartbeat changes nothing a decision is sealed with', async () => {
    const db = engine.newDb();
    await writeLog(db);
    await engine.sql(db, "UPDATE agents SET heartbeat_ms = heartbeat_ms + 60000 WHERE agent_id = 'scout'");
    expect((await verify(db)).code).toBe(0);
  });

  it.each([
    {
      what: 'an edited entry',
      sql: "UPDATE ledger SET body = replace(body, '\"completed\"', '\"failed\"') WHERE kind = 'outcome'",
      says: /^ledger entry #(\d+) does not verify: its content does not match its hash; \d+ entries before it verify$/m,
    },
    {
      what: 'a deleted entry',
      sql: "DELETE FROM ledger WHERE kind = 'outcome' AND subject = '1'",
      says: /^ledger entry #\d+ does not verify: entries (\d+)\.\.\1 are missing before it/m,
    },
    {
      what: 'a forged anchor',
      sql: "UPDATE ledger SET anchor_seq = anchor_seq + 1 WHERE kind = 'event' AND subject = '1'",
      says: /^ledger entry #\d+ does not verify: its content does not match its hash/m,
    },
  ])('names the ledger entry after $what', async ({ sql, says }) => {
    const db = engine.newDb();
    await writeLog(db);
    await engine.sql(db, sql);
    const run = await verify(db);
    expect(run.code).toBe(1);
    expect(run.text).toMatch(says);
  });

  it('names the entry after two entries swapped, whole, hashes and all', async () => {
    const db = engine.newDb();
    await writeLog(db);
    const [first, second] = await engine.sql(
      db,
      "SELECT entry_seq FROM ledger WHERE kind = 'event' ORDER BY entry_seq LIMIT 2",
    );
    const a = Number(first?.entry_seq);
    const b = Number(second?.entry_seq);
    await engine.sql(
      db,
      `UPDATE ledger SET entry_seq = -1 WHERE entry_seq = ${a}`,
      `UPDATE ledger SET entry_seq = ${a} WHERE entry_seq = ${b}`,
      `UPDATE ledger SET entry_seq = ${b} WHERE entry_seq = -1`,
    );
    const run = await verify(db);
    expect(run.code).toBe(1);
    expect(run.text).toMatch(
      new RegExp(`^ledger entry #${a} does not verify: its content does not match its hash`, 'm'),
    );
  });
});

/**
 * Any history the service can write verifies; then whichever row of a sealed table is edited, verify
 * names it. SQLite only: each run is a whole log, and the engines' sealing differs only in when.
 */
describe('the ledger, for any history (fast-check, SQLite)', () => {
  type Op =
    | { readonly op: 'post' }
    | { readonly op: 'bid'; readonly task: number; readonly agent: number; readonly sats: number }
    | { readonly op: 'tick' }
    | {
        readonly op: 'step';
        readonly task: number;
        readonly ending: 'complete' | 'fail' | 'reject';
        readonly ms: number;
      }
    | { readonly op: 'register' | 'update' | 'remove'; readonly agent: number; readonly sats: number };
  const PERSONAS = ['echo', 'forge', 'quill'];
  // Tasks that one or two of the personas fit (forge, quill), so that auctions have candidates.
  const DESCRIPTIONS = [
    'Fix the bug in the auth code',
    'Fix the bug and write the docs',
    'Implement the function and fix the tests',
  ];
  // Weighted towards moving tasks on (bids, steps), so that histories reach outcomes and retries.
  const anOp: fc.Arbitrary<Op> = fc.oneof(
    { arbitrary: fc.constant({ op: 'post' as const }), weight: 2 },
    {
      arbitrary: fc.record({
        op: fc.constant('bid' as const),
        task: fc.nat(3),
        agent: fc.nat(2),
        sats: fc.integer({ min: 1, max: 99 }),
      }),
      weight: 2,
    },
    { arbitrary: fc.constant({ op: 'tick' as const }), weight: 1 },
    {
      arbitrary: fc.record({
        op: fc.constant('step' as const),
        task: fc.nat(3),
        ending: fc.constantFrom('complete' as const, 'fail' as const, 'reject' as const),
        ms: fc.integer({ min: 0, max: 10_000 }),
      }),
      weight: 5,
    },
    {
      arbitrary: fc.record({
        op: fc.constantFrom('register' as const, 'update' as const, 'remove' as const),
        agent: fc.nat(2),
        sats: fc.nat(50),
      }),
      weight: 1,
    },
  );
  /** Each table's edit: the SQL for the row picked (by its rank), and how verify must begin naming it. */
  const EDITS = {
    tasks: {
      key: 'task_id',
      sql: (key: string) => `UPDATE tasks SET failures = failures + 1 WHERE task_id = '${key}'`,
      says: (key: string) => `task ${key}: failures is`,
    },
    task_bids: {
      key: "task_id || '|' || agent_id",
      sql: (key: string) =>
        `UPDATE task_bids SET bid_sats = bid_sats + 1 WHERE task_id || '|' || agent_id = '${key}'`,
      says: (key: string) => `task ${key.split('|')[0]}: bids is`,
    },
    task_events: {
      key: 'event_id',
      sql: (key: string) => `UPDATE task_events SET at_ms = at_ms + 1 WHERE event_id = ${key}`,
      says: (key: string) => `event ${key} (`,
    },
    outcomes: {
      key: 'outcome_seq',
      sql: (key: string) => `UPDATE outcomes SET completed = 1 - completed WHERE outcome_seq = ${key}`,
      says: (key: string) => `outcome ${key} (`,
    },
    agents: {
      key: 'agent_id',
      sql: (key: string) => `UPDATE agents SET token_hash = x'${'ee'.repeat(32)}' WHERE agent_id = '${key}'`,
      says: (key: string) => `agent ${key}: token_hash differs from its sealed registration`,
    },
  } as const;

  /** Refusals (a late bid, a wrong state, an agent taken) are part of any history; nothing else is. */
  const refusal = (error: unknown): void => {
    if (!isRouterError(error)) throw error;
  };

  it('verifies any history, and names any one row edited afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(anOp, { minLength: 10, maxLength: 40, size: 'max' }),
        fc.nat(),
        fc.nat(),
        async (ops, pickTable, pick) => {
          const db = sqlite.newDb();
          const clock = new FakeClock();
          const store = createStore({ location: db });
          const router = createRouter({ store, clock });
          for (const p of PERSONAS) router.registerPersona(p);
          const service = await TaskService.open({
            router,
            store,
            clock,
            events: new EventBus(),
            settings: { reservationMs: 2_000, maxAttempts: 2, defaultBiddingWindowMs: 1_000 },
          });
          try {
            const posted: string[] = [];
            for (const op of ops) {
              const taskId = 'task' in op ? posted[op.task % Math.max(1, posted.length)] : undefined;
              const agentId = `stored-${'agent' in op ? op.agent : 0}`;
              try {
                if (op.op === 'post') {
                  posted.push(
                    (await service.post({ description: DESCRIPTIONS[posted.length % 3] as string })).taskId,
                  );
                } else if (op.op === 'bid' && taskId !== undefined) {
                  // This agent's bid, then the others' after it (each refused or not on its own): an
                  // auction that every eligible agent has bid in closes at once.
                  for (let k = 0; k < PERSONAS.length; k++) {
                    const agent = PERSONAS[(op.agent + k) % PERSONAS.length] as string;
                    await service.bid(taskId, agent, op.sats + k).catch(refusal);
                  }
                } else if (op.op === 'tick') {
                  clock.advance(1_000);
                  await service.runDue();
                } else if (op.op === 'step' && taskId !== undefined) {
                  // The task's next step by its assignee: an offer accepted (or rejected), an attempt ended.
                  const task = await service.get(taskId);
                  const agent = task.assignedAgent as string;
                  if (task.status === 'offered' && op.ending === 'reject')
                    await service.reject(taskId, agent);
                  else if (task.status === 'offered') await service.accept(taskId, agent);
                  else if (task.status === 'accepted' && op.ending !== 'reject')
                    await service[op.ending](taskId, agent, op.ms);
                } else if (op.op === 'register') {
                  const manifest = { ...SCOUT, agentId, rateSats: op.sats };
                  await store.addAgent({
                    manifest,
                    tokenHash: 'ab'.repeat(32 - op.agent) + 'cd'.repeat(op.agent),
                    registeredAtMs: clock.now(),
                    lastHeartbeatMs: clock.now(),
                  });
                } else if (op.op === 'update') {
                  await store.updateAgentManifest({ ...SCOUT, agentId, rateSats: op.sats });
                } else if (op.op === 'remove') {
                  await store.deleteAgent(agentId);
                }
              } catch (error) {
                refusal(error);
              }
            }
            const clean = await verifyLog(store);
            expect(clean.ledger?.problems).toEqual([]);
            expect(clean.ok).toBe(true);
            // One row of one table that has rows (a history of refusals alone may leave none).
            const tables: { table: keyof typeof EDITS; keys: Record<string, unknown>[] }[] = [];
            for (const table of Object.keys(EDITS) as (keyof typeof EDITS)[]) {
              const keys = await sqlite.sql(db, `SELECT ${EDITS[table].key} AS k FROM ${table} ORDER BY 1`);
              if (keys.length > 0) tables.push({ table, keys });
            }
            if (tables.length === 0) return;
            const { table, keys } = tables[pickTable % tables.length] as (typeof tables)[number];
            const edit = EDITS[table];
            const key = String(keys[pick % keys.length]?.k);
            await sqlite.sql(db, edit.sql(key));
            const tampered = await verifyLog(store);
            expect(tampered.ok).toBe(false);
            expect(tampered.ledger?.problems.some((p) => p.startsWith(edit.says(key)))).toBe(true);
          } finally {
            await service.stop();
            await router.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
