import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/run-cli.js';
import { finished, spawnCli } from './helpers/spawn-cli.js';
import { tempDbPath, tempDir } from './helpers/temp-dir.js';

const dir = tempDir();
const packageVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * One option's entry in a command's --help, on one line. Commander pads and wraps each command's
 * help to its longest flag, so entries are compared with their whitespace collapsed. An option
 * starts a line with two spaces and a dash; wrapped text is indented further.
 */
async function optionHelp(command: string, flag: string): Promise<string> {
  const help = await cli([command, '--help']);
  expect(help.code).toBe(0);
  const lines = help.stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`  ${flag}`));
  expect(start, `${command} --help lists ${flag}`).toBeGreaterThan(-1);
  let end = start + 1;
  while (end < lines.length && /^ {3,}\S/.test(lines[end] as string)) end++;
  return lines.slice(start, end).join(' ').replace(/\s+/g, ' ').trim();
}

describe('swarm-router --version', () => {
  it.each(['--version', '-V'])("%s prints package.json's version and exits 0", async (flag) => {
    expect(await cli([flag])).toEqual({ code: 0, stdout: `${packageVersion}\n`, stderr: '' });
  });

  it('finds package.json from the source file as the bin would from dist/ (both two levels down)', async () => {
    const run = await finished(spawnCli(['--version']));
    expect(run).toMatchObject({ code: 0, stdout: `${packageVersion}\n`, stderr: '' });
  });
});

describe('options several commands share', () => {
  it.each([
    { flag: '--db', commands: ['route', 'outcome', 'history', 'stats', 'export', 'verify', 'demo', 'serve'] },
    { flag: '--scorer', commands: ['route', 'eval', 'serve'] },
    { flag: '--related', commands: ['route', 'eval'] },
    { flag: '--min-capability', commands: ['route', 'eval', 'serve'] },
    { flag: '--no-log', commands: ['route', 'demo'] },
    { flag: '--since', commands: ['history', 'export'] },
    // Commands that only read the log accept --roster the same way; route, stats and serve use it.
    { flag: '--roster', commands: ['history', 'export', 'verify'] },
  ])('$flag reads the same in the help of $commands', async ({ flag, commands }) => {
    const [first, ...rest] = await Promise.all(commands.map((command) => optionHelp(command, flag)));
    expect(first).toMatch(/\S+ \S/); // a flag and a description
    for (const help of rest) expect(help).toBe(first);
  });

  it.each([
    {
      args: ['--min-capability', '7'],
      commands: ['route', 'eval', 'serve'],
      message: "--min-capability: expected 'auto' or a number from 0 to 1, got '7'",
    },
    {
      args: ['--since', 'yesterday'],
      commands: ['history', 'export'],
      message:
        "--since: expected an ISO 8601 time (2026-11-24T10:00:00Z) or epoch milliseconds, got 'yesterday'",
    },
  ])(
    '$args is refused alike by $commands, before a file or the log is opened',
    async ({ args, commands, message }) => {
      const db = tempDbPath(dir);
      for (const command of commands) {
        const run = await cli([command, ...args, '--db', db]);
        expect(run.code).toBe(2);
        expect(run.stderr).toBe(`swarm-router: ${message} (see swarm-router ${command} --help)\n`);
        expect(run.stdout).toBe('');
      }
      expect(existsSync(db)).toBe(false);
    },
  );
});

describe('a mistake in the command line points to the help of the command it was made in', () => {
  it.each([
    { args: ['route', '--bogus'], message: "unknown option '--bogus'", help: 'swarm-router route' },
    {
      args: ['history', '--limit'],
      message: "option '--limit <n>' argument missing",
      help: 'swarm-router history',
    },
    { args: ['outcome', '1'], message: "missing required argument 'agent_id'", help: 'swarm-router outcome' },
    {
      args: ['eval', '--tasks', 'x.jsonl'],
      message: "required option '--agents <file>' not specified",
      help: 'swarm-router eval',
    },
    {
      args: ['route', 'fix it', '--bid', 'forge'],
      message: "--bid: expected agent=sats with sats an integer ≥ 0, got 'forge'",
      help: 'swarm-router route',
    },
    {
      args: ['route', 'fix it', '--no-log', '--scorer', 'magic'],
      message: "unknown scorer 'magic' (known scorers: classic, default)",
      help: 'swarm-router route',
    },
    {
      args: ['route', '--no-log'],
      message: 'route needs a task description or --batch FILE',
      help: 'swarm-router route',
    },
    {
      args: ['serve', '--port', 'http'],
      message: "--port: expected an integer from 0 to 65535, got 'http'",
      help: 'swarm-router serve',
    },
    { args: ['--bogus'], message: "unknown option '--bogus'", help: 'swarm-router' },
    { args: ['rout'], message: "unknown command 'rout' (Did you mean route?)", help: 'swarm-router' },
  ])('$args: one line ending with "see $help --help", exit 2', async ({ args, message, help }) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`swarm-router: ${message} (see ${help} --help)\n`);
    expect(run.stdout).toBe('');
  });

  it('errors about files, the log or the bids do not point to the help, which would not fix them', async () => {
    const unreadable = await cli(['route', 'fix it', '--no-log', '--roster', '/no/such/roster.json']);
    expect(unreadable.stderr).toBe('swarm-router: /no/such/roster.json: cannot read the file (ENOENT)\n');
    const missingLog = join(dir, 'missing.db');
    const noLog = await cli(['history', '--db', missingLog]);
    expect(noLog.code).toBe(3);
    expect(noLog.stderr).not.toContain('--help');
    const twice = await cli(['route', 'fix it', '--no-log', '--bid', 'forge=5', '--bid', 'forge=6']);
    expect(twice.stderr).toBe(
      "swarm-router: bids[1]: agent 'forge' already bid on this task (one bid per agent)\n",
    );
  });
});

describe('a bid from an agent outside the roster', () => {
  const hint = '(pass --allow-unregistered to let unregistered bidders take part with capability 0)';

  it('is refused with the flag that lets it take part named, from --bid', async () => {
    const run = await cli(['route', 'fix it', '--no-log', '--bid', 'forge=5', '--bid', 'ghost=1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`swarm-router: bids[1]: agent 'ghost' is not registered ${hint}\n`);
  });

  it('is refused with the flag named, from a batch line, which the message still locates', async () => {
    const workload = join(dir, 'ghost.jsonl');
    writeFileSync(
      workload,
      `${JSON.stringify({ task_id: 't1', description: 'fix it', bids: [{ agent_id: 'ghost', bid_sats: 1 }] })}\n`,
    );
    const run = await cli(['route', '--batch', workload, '--no-log']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `swarm-router: ${workload}:1: bids[0]: agent 'ghost' is not registered ${hint}\n`,
    );
    const allowed = await cli([
      'route',
      '--batch',
      workload,
      '--no-log',
      '--allow-unregistered',
      '--scorer',
      'classic',
    ]);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.stdout.trim())).toMatchObject({ task_id: 't1' });
  });
});
