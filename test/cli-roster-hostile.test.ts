import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEvalRoster } from '../src/cli/eval-roster.js';
import { loadRoster } from '../src/cli/roster.js';
import { requirePostgres, TEST_PG_URL, testSchemas } from './helpers/postgres.js';
import { cli } from './helpers/run-cli.js';
import { tempDbPath, tempDir } from './helpers/temp-dir.js';

/**
 * Agents files and `--roster stored` as a careless or hostile user gives them: a byte order mark,
 * JSON nested deeper than the engine writes out, a SQLite file or a PostgreSQL schema that holds no
 * audit log (left untouched, and refused naming the flag).
 */
const dir = tempDir('swarm-router-roster-hostile-');
const schemas = testSchemas('rosterhostile');
const withPostgres = await requirePostgres();
afterAll(() => schemas.dropAll());

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const FILES = {
  roster: JSON.stringify({
    agents: [
      { agent_id: 'forge', agent_name: 'Forge', capabilities: ['coding'], keywords: ['bug'], rate_sats: 5 },
    ],
  }),
  tools: readFileSync('examples/mcp/devtools.json', 'utf8'),
  card: readFileSync('test/fixtures/eval-card/research-card.json', 'utf8'),
};

describe('agents files with a byte order mark', () => {
  it('reads a file of each kind with a UTF-8 BOM as without one (route and eval alike)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...(Object.keys(FILES) as (keyof typeof FILES)[])), async (kind) => {
        const name = `${kind}-${n++}`;
        // The tool list's entries are named after the file: both files get the same name.
        const plain = file(`${name}.json`, FILES[kind]);
        const marked = join(dir, 'bom', `${name}.json`);
        mkdirSync(join(dir, 'bom'), { recursive: true });
        writeFileSync(marked, `\uFEFF${FILES[kind]}`);
        expect(await loadRoster(marked)).toEqual(await loadRoster(plain));
        expect(await loadEvalRoster(marked)).toEqual(await loadEvalRoster(plain));
      }),
      { numRuns: 6 },
    );
  });
});

describe('agents files nested deeper than JSON.stringify goes', () => {
  it('refuses them naming the file and the field, never as an internal error', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const cases: [string, string][] = [
      ['deep-tools.json', `{"tools":${deep(50_000)}}`],
      [
        'deep-roster.json',
        `{"agents":[{"agent_id":"x","agent_name":"x","capabilities":[],"keywords":[],"rate_sats":1,"description":${deep(50_000)}}]}`,
      ],
    ];
    for (const [name, content] of cases) {
      const path = file(name, content);
      for (const args of [
        ['route', 'x', '--roster', path, '--no-log'],
        ['eval', '--agents', path, '--tasks', 'examples/mcp/devtools-tasks.jsonl'],
      ]) {
        const run = await cli(args);
        expect(run.stderr, args.join(' ')).toMatch(
          new RegExp(`^swarm-router: ${path}: (tools\\[0\\]|agents\\[0\\]\\.description) `),
        );
        expect(run.stderr).not.toContain('internal error');
        expect(run.code).toBe(2);
      }
    }
  });
});

describe('--roster stored, and reading commands, on a database that holds no audit log', () => {
  /** A SQLite file of some other program's. */
  function foreignDb(): string {
    const path = tempDbPath(dir);
    const db = new Database(path);
    db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')");
    db.close();
    return path;
  }

  it('refuses a SQLite file of another program, or an empty one, and leaves it as it was', async () => {
    for (const make of [foreignDb, () => file(`empty-${Math.random()}.db`, '')]) {
      const db = make();
      const before = readFileSync(db);
      for (const args of [['route', 'x', '--bid', 'a=1'], ['mcp'], ['stats']]) {
        const run = await cli([...args, '--roster', 'stored', '--db', db]);
        expect(run.code, args[0]).toBe(2);
        expect(run.stderr).toBe(
          `swarm-router: --roster stored reads the agents a service stored in its audit log, and there is no audit log at ${db} (pass the service's --db) (see swarm-router ${args[0]} --help)\n`,
        );
      }
      for (const command of ['stats', 'history', 'verify']) {
        const run = await cli([command, '--db', db]);
        expect(run.stderr, command).toBe(
          `swarm-router: there is no audit log at ${db} (route something first, or pass --db)\n`,
        );
      }
      expect(readFileSync(db).equals(before)).toBe(true);
    }
  });

  it('still reads a log a service made, however it was copied', async () => {
    const db = tempDbPath(dir);
    expect((await cli(['route', 'Fix the bug', '--bid', 'forge=40', '--db', db])).code).toBe(0);
    const copy = `${db}.copy.db`;
    copyFileSync(db, copy);
    const run = await cli(['route', 'x', '--roster', 'stored', '--db', copy]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('no agent is registered');
    const stats = await cli(['stats', '--db', copy]);
    expect(stats.code).toBe(0);
  });

  it.runIf(withPostgres)(
    'refuses a PostgreSQL schema that holds no log, creating nothing there',
    async () => {
      const url = schemas.url();
      const schema = new URL(url).searchParams.get('schema') as string;
      const run = await cli(['route', 'x', '--bid', 'a=1', '--roster', 'stored', '--db', url]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`there is no audit log at ${url}`);
      const stats = await cli(['stats', '--db', url]);
      expect(stats.code).toBe(3);
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
        expect(found.rowCount).toBe(0);
      } finally {
        await client.end();
      }
    },
  );
});
