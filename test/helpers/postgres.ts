import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests use: this machine's, trust auth, database `test` (or SWARM_ROUTER_TEST_PG). */
export const TEST_PG_URL = process.env.SWARM_ROUTER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

const inCi = (): boolean =>
  process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/**
 * Whether PostgreSQL tests can run. In CI an unreachable server is a failure, not a skip (.ci/run
 * starts it); on a developer's machine the tests skip and say how to enable them.
 */
export async function requirePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (inCi())
      throw new Error(`CI needs PostgreSQL at ${TEST_PG_URL} for these tests (.ci/run starts it): ${why}`);
    console.warn(
      `skipping PostgreSQL tests: cannot reach ${TEST_PG_URL} (${why}); start PostgreSQL or set SWARM_ROUTER_TEST_PG`,
    );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Schemas made for one test file: each call gives the URL of a new, empty schema (created by the
 * store on first use), and `dropAll` removes them when the file is done.
 */
export function testSchemas(prefix: string) {
  const names: string[] = [];
  return {
    url(): string {
      const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
      names.push(name);
      const url = new URL(TEST_PG_URL);
      url.searchParams.set('schema', name);
      return url.toString();
    },
    async dropAll(): Promise<void> {
      if (names.length === 0) return;
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        for (const name of names.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Runs `work` on a connection of its own to the test database, closed afterwards whatever happens. */
export async function withTestClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
