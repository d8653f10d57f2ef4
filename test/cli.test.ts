import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/run-cli.js';
import { fixturePath } from './helpers/seed-fixtures.js';
import { tempDbPath, tempDir } from './helpers/temp-dir.js';

const dir = tempDir();

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const jsonl = (...lines: unknown[]) =>
  `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;
const task = (
  task_id: string,
  bids: [string, number][] = [['forge', 50]],
  description = 'Fix the bug in the auth code',
) => ({
  task_id,
  description,
  bids: bids.map(([agent_id, bid_sats]) => ({ agent_id, bid_sats })),
});

/** Decisions in the log at `db`; 0 when no log file was ever created there. */
async function countLogged(db: string): Promise<number> {
  if (!existsSync(db)) return 0;
  const out = await cli(['history', '--db', db, '--json', '--limit', '1000']);
  expect(out.code).toBe(0);
  return out.stdout.trim().split('\n').length - 1; // last line is the cursor
}

/** One task, two bids: the route command most tests here start from. */
const ROUTE_FIX_BUG = ['route', 'Fix the bug in the auth code', '--bid', 'forge=50', '--bid', 'quill=40'];

describe('swarm-router route', () => {
  it('routes one task, explains it, and logs it', async () => {
    const db = tempDbPath(dir);
    const run = await cli([...ROUTE_FIX_BUG, '--scorer', 'classic', '--db', db]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '→ forge: Selected forge with capability_score=0.90, bid=50 sats, combined=0.76',
    );
    expect(run.stdout).toMatch(/1\s+forge\s+50 sat/);
    expect(run.stdout).toMatch(/2\s+quill\s+40 sat/);
    expect(run.stdout).toContain('no bid: echo 0.000, mace 0.000');
    expect(run.stdout).toContain('decision #1');
    expect(await countLogged(db)).toBe(1);
  });

  it('explains a default-policy decision signal by signal, and refused bids', async () => {
    const run = await cli([...ROUTE_FIX_BUG, '--max-bid', '45', '--no-log']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Forge is the only one whose manifest covers the task, but it bid above the ceiling; Quill covers
    // next to nothing of it: no suitable agent, and the explanation says why for each.
    expect(run.stdout).toMatch(
      /→ no agent: No suitable agent: 2 agents were refused: 1 bids above max_bid_sats, 1 is below the capability threshold 0\.02 \(quill 0\.0\d\d\)\n/,
    );
    expect(run.stdout).toMatch(/forge\s+50 sat .*refused: bids above max_bid_sats/);
    expect(run.stdout).toMatch(/quill\s+40 sat .*refused: is below the capability threshold 0\.02/);
  });

  it('says which required capability no agent declares, as text and as JSON', async () => {
    const args = ['route', 'Bake a cake', '--require', 'baking', '--bid', 'forge=40', '--no-log'];
    const run = await cli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '→ no agent: No suitable agent: no agent declares the capability `baking`\n',
    );
    expect(run.stdout).toMatch(/forge\s+40 sat .*refused: lacks capability baking/);
    const record = JSON.parse((await cli([...args, '--json'])).stdout);
    expect(record).toMatchObject({
      selected_agent: null,
      selection_reason: 'No suitable agent: no agent declares the capability `baking`',
    });
  });

  it('prints the full record with --json and keeps the log untouched with --no-log', async () => {
    const db = tempDbPath(dir);
    const run = await cli([
      'route',
      'Write the README',
      '--bid',
      'quill=30',
      '--task-id',
      'doc-1',
      '--json',
      '--no-log',
      '--db',
      db,
    ]);
    expect(run.code).toBe(0);
    const record = JSON.parse(run.stdout);
    expect(record).toMatchObject({ task_id: 'doc-1', selected_agent: 'quill', bids_received: { quill: 30 } });
    expect(record.breakdown[0].signals.map((s: { signal: string }) => s.signal)).toEqual([
      'capability',
      'bid-received',
      'success',
      'load',
      'speed',
    ]);
    expect(record.seq).toBeUndefined();
    expect(await countLogged(db)).toBe(0);
  });

  it.each([
    {
      args: ['--bid', 'forge=-5'],
      message:
        "--bid: expected agent=sats with sats an integer ≥ 0, got 'forge=-5' (see swarm-router route --help)",
    },
    {
      args: ['--bid', 'forge=1.5'],
      message:
        "--bid: expected agent=sats with sats an integer ≥ 0, got 'forge=1.5' (see swarm-router route --help)",
    },
    {
      args: ['--bid', 'forge'],
      message:
        "--bid: expected agent=sats with sats an integer ≥ 0, got 'forge' (see swarm-router route --help)",
    },
    {
      args: ['--bid', 'nobody=5'],
      message:
        "bids[0]: agent 'nobody' is not registered (pass --allow-unregistered to let unregistered bidders take part with capability 0)",
    },
    {
      args: ['--bid', 'forge=5', '--bid', 'forge=6'],
      message: "bids[1]: agent 'forge' already bid on this task (one bid per agent)",
    },
    {
      args: ['--scorer', 'magic'],
      message: "unknown scorer 'magic' (known scorers: classic, default) (see swarm-router route --help)",
    },
    {
      args: ['--roster', '/no/such/roster.json'],
      message: '/no/such/roster.json: cannot read the file (ENOENT)',
    },
  ])('refuses $args with one line and a non-zero exit', async ({ args, message }) => {
    const db = tempDbPath(dir);
    const run = await cli(['route', 'Fix it', ...args, '--db', db]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`swarm-router: ${message}\n`);
    expect(run.stdout).toBe('');
  });

  it('lets an unregistered bidder take part with --allow-unregistered (the seed quirk)', async () => {
    const run = await cli([
      'route',
      'Fix it',
      '--bid',
      'ghost=1',
      '--no-log',
      '--allow-unregistered',
      '--scorer',
      'classic',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ selected_agent: 'ghost', candidate_agents: ['ghost'] });
  });
});

describe('swarm-router route --batch', () => {
  it('writes decisions in input order, a summary with decisions/s on stderr, and logs them', async () => {
    const db = tempDbPath(dir);
    const workload = file(
      'ok.jsonl',
      jsonl(
        task('a'),
        '',
        task('b', []),
        task(
          'c',
          [
            ['quill', 10],
            ['forge', 90],
          ],
          'write docs',
        ),
      ),
    );
    const run = await cli(['route', '--batch', workload, '--db', db]);
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.task_id, l.selected_agent, l.seq])).toEqual([
      ['a', 'forge', 1],
      ['b', null, 2],
      ['c', 'quill', 3],
    ]);
    expect(run.stderr).toMatch(
      /^routed 3 tasks in \d+\.\d\d s \([\d,]+ decisions\/s\); logged as #1\.\.#3\n$/,
    );
    expect(await countLogged(db)).toBe(3);
  });

  it.each([
    { name: 'malformed JSON', lines: [task('a'), '{"task_id": "b",'], error: /bad\.jsonl:2: malformed JSON/ },
    {
      name: 'a bid that is not an integer',
      lines: [task('a'), { ...task('b'), bids: [{ agent_id: 'forge', bid_sats: '5' }] }],
      error: /bad\.jsonl:2: bids\[0\]\.bid_sats must be integer \(got "5"\)/,
    },
    {
      name: 'a negative bid',
      lines: [task('a'), task('b', [['forge', -1]])],
      error: /bad\.jsonl:2: bids\[0\]\.bid_sats must be >= 0 \(got -1\)/,
    },
    {
      name: 'a description of the wrong type',
      lines: [{ ...task('a'), description: 42 }],
      error: /bad\.jsonl:1: description must be string \(got 42\)/,
    },
    {
      name: 'a missing field',
      lines: [{ task_id: 'a', bids: [] }],
      error: /bad\.jsonl:1: description is required/,
    },
    {
      name: 'an unknown field',
      lines: [{ ...task('a'), bidz: [] }],
      error: /bad\.jsonl:1: bidz is not a known field/,
    },
    {
      name: 'an unknown agent',
      lines: [task('a'), task('b'), task('c', [['nobody', 5]])],
      error: /bad\.jsonl:3: bids\[0\]: agent 'nobody' is not registered/,
    },
    {
      name: 'a negative bid ceiling',
      lines: [task('a'), { ...task('b'), max_bid_sats: -1 }],
      error: /bad\.jsonl:2: max_bid_sats must be >= 0 \(got -1\)/,
    },
    {
      name: 'a blank required capability',
      lines: [{ ...task('a'), required_capabilities: [' '] }],
      error: /bad\.jsonl:1: required_capabilities must be a list of non-empty strings/,
    },
    {
      name: 'a control character in an agent id',
      lines: [task('a', [['for\u0007ge', 5]])],
      error: /bad\.jsonl:1: bids\[0\]\.agent_id must not contain control characters/,
    },
  ])('refuses $name, naming file and line, and logs nothing of the batch', async ({ lines, error }) => {
    const db = tempDbPath(dir);
    await cli(['route', '--batch', file('first.jsonl', jsonl(task('before'))), '--db', db]);
    const run = await cli(['route', '--batch', file('bad.jsonl', jsonl(...lines)), '--db', db]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(error);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
    expect(await countLogged(db)).toBe(1);
  });

  it('refuses an unreadable workload file', async () => {
    const run = await cli(['route', '--batch', join(dir, 'missing.jsonl'), '--no-log']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`swarm-router: ${join(dir, 'missing.jsonl')}: cannot read the file (ENOENT)\n`);
  });

  it('matches by meaning unless --semantic off (or SWARM_ROUTER_SEMANTIC=off), and names a bad value', async () => {
    const examples = (words: string) => Array.from({ length: 5 }, (_, i) => `${words} ${i}`);
    const roster = file(
      'meaning.json',
      JSON.stringify({
        agents: [
          {
            agent_id: 'mechanic',
            agent_name: 'Mechanic',
            capabilities: ['car-repair'],
            keywords: [],
            rate_sats: 10,
            examples: examples('replace the brake pads and check the engine of my car'),
          },
          {
            agent_id: 'chef',
            agent_name: 'Chef',
            capabilities: ['cooking'],
            keywords: [],
            rate_sats: 10,
            examples: examples('a recipe for soup bread and a chocolate cake for dinner'),
          },
        ],
      }),
    );
    const args = ['route', 'automobile shudders violently', '--roster', roster, '--bid', 'mechanic=10'];
    const route = (extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
      cli([...args, '--bid', 'chef=10', '--no-log', '--json', ...extra], env);
    const on = await route();
    expect(on.code).toBe(0);
    expect(JSON.parse(on.stdout).selected_agent).toBe('mechanic');
    const off = await route(['--semantic', 'off']);
    expect(JSON.parse(off.stdout).selected_agent).toBeNull();
    const offByEnv = await route([], { SWARM_ROUTER_SEMANTIC: 'off' });
    expect(JSON.parse(offByEnv.stdout).selected_agent).toBeNull();
    const bad = await route(['--semantic', 'maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^swarm-router: --semantic: expected 'on' or 'off', got 'maybe'/);
  });

  it('validates a roster file, naming the agent and field', async () => {
    const roster = file(
      'roster.json',
      JSON.stringify({
        agents: [{ agent_id: 'x', agent_name: 'X', capabilities: ['a'], keywords: [' '], rate_sats: 1 }],
      }),
    );
    const run = await cli(['route', 'hi', '--roster', roster, '--no-log']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `swarm-router: ${roster}: agents[0]: keywords[0] must be a non-empty string (got " ")\n`,
    );
  });

  it('keeps registration order in capability_scores, even for integer-like agent ids', async () => {
    const agent = (agent_id: string) => ({
      agent_id,
      agent_name: agent_id,
      capabilities: [],
      keywords: ['fix'],
      rate_sats: 1,
    });
    const roster = file(
      'numeric.json',
      JSON.stringify({ agents: [agent('10'), agent('2'), agent('b'), agent('1')] }),
    );
    const workload = file(
      'numeric.jsonl',
      jsonl(
        task(
          'n',
          [
            ['2', 40],
            ['10', 40],
          ],
          'fix it',
        ),
      ),
    );
    const run = await cli([
      'route',
      '--batch',
      workload,
      '--roster',
      roster,
      '--no-log',
      '--scorer',
      'classic',
    ]);
    expect(run.code).toBe(0);
    // Compare the text itself: JSON.parse would reorder integer-like keys on the way back.
    expect(run.stdout).toContain('"capability_scores":{"10":0.3,"2":0.3,"b":0.3,"1":0.3}');
    expect(run.stdout).toContain('"combined_scores":{"2":');
    expect(run.stdout).toContain('"selected_agent":"2"'); // the tie goes to the earliest bid
  });

  it('routes a synthetic roster workload from a roster file', async () => {
    const run = await cli([
      'route',
      '--batch',
      fixturePath('tiny-synthetic.jsonl'),
      '--roster',
      fixturePath('roster-synthetic-100.json'),
      '--no-log',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/; not logged\n$/);
    expect(run.stdout.trim().split('\n')).toHaveLength(3);
  });
});

describe('reading the log: history, stats, export, verify', () => {
  const db = tempDbPath(dir);
  const seedLog = async () => {
    const workload = file(
      'log.jsonl',
      jsonl(
        task('t1', [['forge', 30]], 'Code'),
        task('t2', [['forge', 30]], 'Debug'),
        task('t3', [['echo', 30]], 'Research'),
      ),
    );
    expect((await cli(['route', '--batch', workload, '--db', db])).code).toBe(0);
  };

  it('shows history newest first with a cursor to the next page', async () => {
    await seedLog();
    const first = await cli(['history', '--db', db, '--limit', '2']);
    expect(first.stdout).toMatch(/^#3 .* t3 {2}→ echo/m);
    const cursor = /more: --cursor (\S+)/.exec(first.stdout)?.[1];
    expect(cursor).toBeDefined();
    const second = await cli(['history', '--db', db, '--limit', '2', '--cursor', cursor as string]);
    expect(second.stdout).toMatch(/^#1 .* t1 {2}→ forge/m);
    expect(second.stdout).not.toContain('more:');
    const byAgent = await cli(['history', '--db', db, '--agent', 'echo', '--json']);
    expect(byAgent.stdout.trim().split('\n')).toHaveLength(4); // echo was scored in all three, + cursor line
    const bad = await cli(['history', '--db', db, '--since', 'yesterday']);
    expect(bad.stderr).toContain('--since: expected an ISO 8601 time');
    expect((await cli(['history', '--db', db, '--limit', '0'])).code).toBe(2);
  });

  it('lists the roster agents the log has not seen when given --roster, and checks reading flags', async () => {
    const run = await cli(['stats', '--db', db, '--roster', 'personas', '--json']);
    const ids = JSON.parse(run.stdout).agents.map((a: { agent_id: string }) => a.agent_id);
    expect(ids).toEqual(['echo', 'mace', 'helm', 'seer', 'forge', 'quill']);
    const bad = await cli(['history', '--db', db, '--roster', '/no/such.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('swarm-router: /no/such.json: cannot read the file (ENOENT)\n');
  });

  it('shows per-agent stats', async () => {
    const run = await cli(['stats', 'forge', '--db', db, '--json']);
    expect(JSON.parse(run.stdout)).toEqual({
      agent_id: 'forge',
      tasks_won: 2,
      tasks_considered: 3,
      bids: 2,
      win_rate: 2 / 3,
      avg_winning_bid_sats: 30,
    });
    const table = await cli(['stats', '--db', db]);
    expect(table.stdout).toMatch(/^forge\s+2\s+3\s+2\s+66\.7%\s+30\.0 sat$/m);
  });

  it('exports every decision with the seed fields and its own', async () => {
    const run = await cli(['export', '--db', db]);
    expect(run.stderr).toBe('');
    const records = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => r.task_id)).toEqual(['t1', 't2', 't3']);
    for (const key of [
      'task_id',
      'task_description',
      'candidate_agents',
      'selected_agent',
      'selection_reason',
      'capability_scores',
      'bids_received',
      'timestamp',
      'seq',
      'decision_id',
      'hash',
      'prev_hash',
      'breakdown',
    ]) {
      expect(records[0]).toHaveProperty(key);
    }
    expect(records[1].prev_hash).toBe(records[0].hash);
    const since = await cli(['export', '--db', db, '--since', String(records[2].timestamp_ms)]);
    expect(
      since.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).task_id),
    ).toEqual(records.filter((r) => r.timestamp_ms >= records[2].timestamp_ms).map((r) => r.task_id));
  });

  it('verifies an untouched log', async () => {
    const run = await cli(['verify', '--db', db]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^all 3 records verify; head hash [0-9a-f]{64}\nledger: all 1 entries verify; head hash [0-9a-f]{64}\n$/,
    );
  });
});

describe('the CLI in general', () => {
  it('prints help and exits 0', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['route', 'history', 'stats', 'export', 'verify', 'demo'])
      expect(run.stdout).toContain(command);
  });

  it('reading commands refuse a log that does not exist, and create nothing', async () => {
    const missing = join(dir, 'nowhere', 'missing.db');
    for (const command of ['history', 'stats', 'export', 'verify']) {
      const run = await cli([command, '--db', missing]);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `swarm-router: there is no audit log at ${missing} (route something first, or pass --db)\n`,
      );
    }
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });

  it('asks for a description or a batch file', async () => {
    const run = await cli(['route', '--no-log']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'swarm-router: route needs a task description or --batch FILE (see swarm-router route --help)\n',
    );
  });

  it('refuses an unknown command', async () => {
    const run = await cli(['fly']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'fly'");
  });

  it('takes the database from SWARM_ROUTER_DB', async () => {
    const db = tempDbPath(dir);
    await cli(['route', 'Fix', '--bid', 'forge=5'], { SWARM_ROUTER_DB: db });
    expect(readFileSync(db).subarray(0, 15).toString()).toBe('SQLite format 3');
  });

  it('runs the demo', async () => {
    const run = await cli(['demo', '--no-log']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('6 personas bid on 6 tasks');
    expect(run.stdout).toContain('→ forge: Selected forge');
  });
});

describe('swarm-router route --related', () => {
  const capabilityOf = (stdout: string, agent: string): number =>
    (JSON.parse(stdout) as { capability_scores: Record<string, number> }).capability_scores[agent] as number;
  const args = [
    'route',
    'segfault in production',
    '--bid',
    'forge=40',
    '--bid',
    'quill=40',
    '--no-log',
    '--json',
  ];

  it("adds a user's related terms to the built-in table", async () => {
    const related = file('related.json', JSON.stringify({ terms: { coding: ['segfault'] } }));
    const without = await cli(args);
    const withFile = await cli([...args, '--related', related]);
    expect(withFile.stderr).toBe('');
    expect(capabilityOf(without.stdout, 'forge')).toBe(0);
    expect(capabilityOf(withFile.stdout, 'forge')).toBeGreaterThan(0);
    expect(capabilityOf(withFile.stdout, 'quill')).toBe(0);
    // The environment variable does the same.
    const viaEnv = await cli(args, { SWARM_ROUTER_RELATED: related });
    expect(capabilityOf(viaEnv.stdout, 'forge')).toBe(capabilityOf(withFile.stdout, 'forge'));
  });

  it('can replace the built-in table', async () => {
    const task = ['route', 'compile error in my regex', '--bid', 'forge=40', '--no-log', '--json'];
    const replaced = file('replace.json', JSON.stringify({ terms: {}, replace_builtin: true }));
    // "compile" and "regex" reach forge only through the built-in coding terms.
    expect(capabilityOf((await cli(task)).stdout, 'forge')).toBeGreaterThan(0);
    expect(capabilityOf((await cli([...task, '--related', replaced])).stdout, 'forge')).toBe(0);
  });

  it('refuses a malformed file naming it and the field, and the classic scorer', async () => {
    const bad = file('related-bad.json', JSON.stringify({ terms: { coding: 'segfault' } }));
    const run = await cli([...args, '--related', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/related-bad\.json: .*terms\.coding/);
    const good = file('related-ok.json', JSON.stringify({ terms: {} }));
    const classic = await cli([...args, '--related', good, '--scorer', 'classic']);
    expect(classic.code).toBe(2);
    expect(classic.stderr).toMatch(/related terms apply to the default scorer only/);
  });
});

describe('swarm-router outcome', () => {
  it('records how a task went, and the next route on the log has learned from it', async () => {
    const db = tempDbPath(dir);
    const route = (text: string) =>
      cli(['route', text, '--bid', 'forge=40', '--bid', 'quill=40', '--db', db, '--json']);
    const quillOf = (stdout: string) =>
      (JSON.parse(stdout) as { capability_scores: Record<string, number> }).capability_scores.quill as number;
    const first = await route('rotate the vault tokens');
    expect(first.code).toBe(0);
    expect(quillOf(first.stdout)).toBe(0);
    // Quill wins a task that mentions the tokens, completes it, and so learns their words.
    const won = JSON.parse((await route('Write the README for the vault tokens')).stdout) as {
      seq: number;
      selected_agent: string;
    };
    expect(won.selected_agent).toBe('quill');
    const recorded = await cli([
      'outcome',
      String(won.seq),
      'quill',
      'completed',
      '--duration-ms',
      '900',
      '--db',
      db,
    ]);
    expect(recorded.stderr).toBe('');
    expect(recorded.stdout).toMatch(/^recorded: quill completed task task-.* \(decision #2\)\n$/);
    // Another process, same log: it replays the outcome before deciding.
    expect(quillOf((await route('vault tokens expired')).stdout)).toBeGreaterThan(0);
  });

  it.each([
    [['outcome', '99', 'forge', 'completed'], 'no decision has sequence number 99'],
    [
      ['outcome', '1', 'seer', 'completed'],
      "agent 'seer' was not a candidate of decision 1, so it cannot report its outcome",
    ],
    [
      ['outcome', '1', 'forge', 'done'],
      "status: expected completed or failed, got 'done' (see swarm-router outcome --help)",
    ],
    [
      ['outcome', 'x', 'forge', 'failed'],
      "seq: expected a decision sequence number (an integer ≥ 1), got 'x' (see swarm-router outcome --help)",
    ],
    [
      ['outcome', '1', 'forge', 'failed', '--duration-ms', '-3'],
      "--duration-ms: expected a number of milliseconds ≥ 0, got '-3' (see swarm-router outcome --help)",
    ],
  ])('refuses %j with one line', async (args, message) => {
    const db = tempDbPath(dir);
    await cli(['route', 'fix it', '--bid', 'forge=40', '--db', db]);
    const run = await cli([...args, '--db', db]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`swarm-router: ${message}\n`);
  });

  it.each([
    {
      rule: 'a bidder the decision did not select',
      route: ['Fix the bug in the auth code', '--bid', 'forge=40', '--bid', 'quill=30'],
      agent: 'quill',
      message: "agent 'quill' was not selected by decision 1 (forge was), so it cannot report its outcome",
    },
    {
      rule: 'any bidder of a decision that selected nobody',
      route: ['Bake a cake', '--require', 'baking', '--bid', 'forge=40'],
      agent: 'forge',
      message: 'decision 1 selected no agent, so no agent can report its outcome',
    },
  ])('refuses a report from $rule', async ({ route, agent, message }) => {
    const db = tempDbPath(dir);
    expect((await cli(['route', ...route, '--db', db])).code).toBe(0);
    for (const status of ['completed', 'failed']) {
      const run = await cli(['outcome', '1', agent, status, '--db', db]);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`swarm-router: ${message}\n`);
    }
  });

  it('refuses a second report by the same agent on the same decision', async () => {
    const db = tempDbPath(dir);
    await cli(['route', 'fix it', '--bid', 'forge=40', '--db', db]);
    expect((await cli(['outcome', '1', 'forge', 'failed', '--db', db])).code).toBe(0);
    const again = await cli(['outcome', '1', 'forge', 'completed', '--db', db]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe("swarm-router: agent 'forge' already reported the outcome of decision 1\n");
  });
});

describe('swarm-router route --bid-normalisation', () => {
  it.each([
    ['received', 'bid-received'],
    ['band', 'bid-band'],
    ['rate', 'bid-rate'],
  ])('%s scores bids with the %s signal', async (how, signal) => {
    const run = await cli([
      'route',
      'Fix the bug',
      '--bid',
      'forge=40',
      '--no-log',
      '--json',
      '--bid-normalisation',
      how,
    ]);
    expect(run.stderr).toBe('');
    const record = JSON.parse(run.stdout) as { breakdown: { signals: { signal: string }[] }[] };
    expect(record.breakdown[0]?.signals.map((s) => s.signal)).toContain(signal);
  });

  it('refuses an unknown normalisation, naming the known ones', async () => {
    const run = await cli([
      'route',
      'Fix it',
      '--bid',
      'forge=40',
      '--no-log',
      '--bid-normalisation',
      'cheap',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "swarm-router: unknown bid normalisation 'cheap' (known: received, band, rate) (see swarm-router route --help)\n",
    );
  });
});

describe('swarm-router route --min-capability', () => {
  const args = ['route', 'Write a function to calculate fibonacci numbers', '--bid', 'forge=40', '--no-log'];

  it('sets the default policy threshold, from the flag or the environment', async () => {
    expect((await cli(args)).stdout).toMatch(/→ forge: Selected forge/);
    expect((await cli([...args, '--min-capability', '0.5'])).stdout).toMatch(
      /below the capability threshold 0\.5 \(forge 0\.\d+\)/,
    );
    expect((await cli(args, { SWARM_ROUTER_MIN_CAPABILITY: '0.5' })).stdout).toMatch(
      /below the capability threshold 0\.5 \(forge 0\.\d+\)/,
    );
  });

  it('refuses a threshold outside 0..1', async () => {
    const run = await cli([...args, '--min-capability', '7']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "swarm-router: --min-capability: expected 'auto' or a number from 0 to 1, got '7' (see swarm-router route --help)\n",
    );
    const empty = await cli([...args, '--min-capability', ' ']);
    expect(empty.code).toBe(2);
  });

  it("accepts 'auto': with no examples in the roster it takes 0.02", async () => {
    const run = await cli([...args, '--min-capability', 'auto', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).policy).toMatchObject({ min_capability: 0.02 });
  });
});
