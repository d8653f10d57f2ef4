import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RATE_EXTENSION_URI } from '../src/a2a/agent-card.js';
import { loadRoster } from '../src/cli/roster.js';
import { startMcpCli } from './helpers/mcp-cli-client.js';
import { cli } from './helpers/run-cli.js';
import { finished, listeningAddress, spawnCli } from './helpers/spawn-cli.js';
import { tempDbPath, tempDir } from './helpers/temp-dir.js';

/**
 * `--roster FILE` takes the three kinds of file `eval --agents` takes, told apart by one function:
 * a roster, an MCP tool list (entries `<server>:<tool>`, the server named after the file) and an A2A
 * agent card (entries `<agent>:<skill>`), for route, mcp and stats alike; a file of none of the
 * kinds is refused naming the file and the keys expected. `--roster stored` needs a log to read.
 */
const dir = tempDir();
const TOOLS = 'examples/mcp/devtools.json';
const CARD = 'test/fixtures/eval-card/research-card.json';
const closing: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const thing of closing.reverse()) await thing.close();
});

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('route --roster with a tool list or a card', () => {
  it('routes to a tool of an MCP tool list, its entries named after the file', async () => {
    const args = ['route', 'Run the unit tests of the parser', '--roster', TOOLS, '--no-log'];
    const bids = ['--bid', 'devtools:run_tests=1', '--bid', 'devtools:read_file=1'];
    const run = await cli([...args, ...bids]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('→ devtools:run_tests: Selected devtools:run_tests');
    expect(run.stdout).toMatch(/no bid: .*devtools:searchCode/);
    const record = JSON.parse((await cli([...args, ...bids, '--json'])).stdout);
    expect(record.selected_agent).toBe('devtools:run_tests');
    // A tool list read from a file says nothing of where its server is: nothing to call it at.
    expect(record).not.toHaveProperty('selected_tool');
    const stats = await cli(['stats', '--roster', TOOLS, '--db', await loggedDb(), '--json']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout).agents.map((a: { agent_id: string }) => a.agent_id)).toEqual(
      expect.arrayContaining(['devtools:run_tests', 'devtools:fetch-url']),
    );
  });

  it('routes to a skill of an A2A card, naming the agent and the skill as POST /v1/route does', async () => {
    const args = ['route', 'Summarize this paper in five lines', '--roster', CARD, '--no-log'];
    const bids = ['--bid', 'research-bot:summarize=50', '--bid', 'research-bot:cite=40'];
    const run = await cli([...args, ...bids]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('→ research-bot:summarize: Selected research-bot:summarize');
    expect(run.stdout).toMatch(
      /\n {2}skill 'Summarise' of A2A agent 'research-bot' \(Research Bot, tagged [^)]*\) matched the task/,
    );
    const record = JSON.parse((await cli([...args, ...bids, '--json'])).stdout);
    expect(record.selected_skill).toMatchObject({
      agent: 'research-bot',
      skill: 'summarize',
      skill_name: 'Summarise',
    });
    expect(record.selected_skill.explanation).toMatch(/won with a bid of 50 sats/);
  });

  it('prices tools and skills as the service does when it imports them', async () => {
    expect(new Set((await loadRoster(TOOLS)).map((m) => m.rateSats))).toEqual(new Set([0]));
    // A card without the rate extension: the default of a card; with it, its own rate.
    expect(new Set((await loadRoster(CARD)).map((m) => m.rateSats))).toEqual(new Set([50]));
    const priced = file('priced-card.json', {
      name: 'Priced',
      description: 'A priced agent',
      version: '1.0.0',
      supportedInterfaces: [
        { url: 'http://127.0.0.1:9/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      ],
      capabilities: { extensions: [{ uri: RATE_EXTENSION_URI, params: { rate_sats: 12 } }] },
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['text/plain'],
      skills: [{ id: 'sum', name: 'Sum', description: 'Adds numbers', tags: ['math'] }],
    });
    expect(await loadRoster(priced)).toMatchObject([{ agentId: 'priced:sum', rateSats: 12 }]);
  });

  it('still validates a roster file whole, rate_sats required', async () => {
    const roster = file('no-rate.json', {
      agents: [{ agent_id: 'a', agent_name: 'A', capabilities: ['x'], keywords: [] }],
    });
    const run = await cli(['route', 'x', '--roster', roster, '--no-log']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${roster}: agents[0]`);
    expect(run.stderr).toContain('rate_sats');
  });
});

describe('mcp --roster with a tool list or a card', () => {
  it('ranks the tools of a tool list for find_tools', async () => {
    const mcp = await startMcpCli(['--roster', TOOLS, '--db', join(dir, 'absent.db')]);
    closing.push(mcp);
    const answer = await mcp.findTools({ task: 'Run the unit tests of the parser', k: 2 });
    expect(answer.tools[0]).toMatchObject({ rank: 1, agent_id: 'devtools:run_tests' });
    expect(mcp.stderr()).toMatch(/find_tools over stdio on 5 agents/);
    await mcp.close();
    expect(existsSync(join(dir, 'absent.db'))).toBe(false);
  });

  it('ranks the skills of a card for find_tools', async () => {
    const mcp = await startMcpCli(['--roster', CARD, '--no-log']);
    closing.push(mcp);
    const answer = await mcp.findTools({ task: 'Summarize this paper in five lines' });
    expect(answer.tools[0]).toMatchObject({ rank: 1, agent_id: 'research-bot:summarize' });
    expect(mcp.stderr()).toMatch(/find_tools over stdio on 3 agents/);
    await mcp.close();
  });
});

describe('--roster refusals', () => {
  it('refuses a file of none of the three kinds, naming it and the keys expected, in every command', async () => {
    const cases: [string, unknown, string][] = [
      ['named.json', { name: 'x', version: '1' }, 'an object with the keys "name", "version"'],
      ['list.json', [{ agent_id: 'a' }], 'an array'],
      ['empty.json', {}, 'an empty object'],
    ];
    for (const [name, content, found] of cases) {
      const path = file(name, content);
      const expected = `swarm-router: ${path}: expected a roster ({"agents": [...]}), an MCP tool list ({"tools": [...]}) or an A2A agent card (with "skills"), found ${found}\n`;
      for (const args of [
        ['route', 'x', '--roster', path, '--no-log'],
        ['mcp', '--roster', path, '--no-log'],
        ['stats', '--roster', path, '--db', await loggedDb()],
        ['eval', '--agents', path, '--tasks', 'examples/mcp/devtools-tasks.jsonl'],
      ]) {
        const run = await cli(args);
        expect(run.code, args.join(' ')).toBe(2);
        expect(run.stderr).toBe(expected);
      }
    }
  });

  it('refuses --roster stored without a log at --db, creating none', async () => {
    const db = tempDbPath(dir);
    for (const args of [['route', 'x', '--bid', 'a=1'], ['mcp'], ['stats']]) {
      const run = await cli([...args, '--roster', 'stored', '--db', db]);
      expect(run.code, args[0]).toBe(2);
      expect(run.stderr).toBe(
        `swarm-router: --roster stored reads the agents a service stored in its audit log, and there is no audit log at ${db} (pass the service's --db) (see swarm-router ${args[0]} --help)\n`,
      );
    }
    expect(existsSync(db)).toBe(false);
  });

  it('refuses --roster stored with --no-log', async () => {
    const db = await loggedDb();
    for (const args of [['route', 'x', '--bid', 'a=1'], ['mcp']]) {
      const run = await cli([...args, '--roster', 'stored', '--db', db, '--no-log']);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `swarm-router: --roster stored reads the agents stored in the audit log: not with --no-log (see swarm-router ${args[0]} --help)\n`,
      );
    }
  });

  it('serve --roster stored (by flag or environment) starts with the stored agents alone, as --roster none', async () => {
    for (const [args, env] of [
      [['--roster', 'stored'], {}],
      [[], { SWARM_ROUTER_ROSTER: 'stored' }],
    ] as const) {
      const child = spawnCli(['serve', '--port', '0', '--db', tempDbPath(dir), ...args], env);
      const exited = finished(child);
      try {
        const url = await listeningAddress(child);
        const agents = (await (await fetch(`${url}/v1/agents`)).json()) as { agents: unknown[] };
        expect(agents.agents).toEqual([]);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    }
  });
});

let logged: string | undefined;
/** A log with one decision in it, made once. */
async function loggedDb(): Promise<string> {
  if (logged !== undefined) return logged;
  const db = tempDbPath(dir);
  expect((await cli(['route', 'Fix the bug', '--bid', 'forge=40', '--db', db])).code).toBe(0);
  logged = db;
  return db;
}
