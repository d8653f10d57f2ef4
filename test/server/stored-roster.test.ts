import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callJson, TRANSLATE_SKILL } from '../helpers/a2a-fixtures.js';
import { type A2aTestAgent, startA2aTestAgent } from '../helpers/a2a-test-agent.js';
import { startMcpCli } from '../helpers/mcp-cli-client.js';
import { MCP_STDIO_SERVER } from '../helpers/mcp-test-server.js';
import { cli } from '../helpers/run-cli.js';
import { type Finished, finished, listeningAddress, spawnCli } from '../helpers/spawn-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * `--roster stored`: route, mcp and stats over the agents a running service stored in its SQLite
 * log. A real `serve` imports a real MCP server over stdio (built with the SDK: its tools become
 * entries) and a real A2A agent by its card, and an agent joins over HTTP; then `route` names the
 * tool and its server (or the A2A agent and skill) as `POST /v1/route` does, and `swarm-router mcp`,
 * driven by the SDK's client over stdio, answers find_tools with the imported tools.
 */
const dir = tempDir();
const db = tempDbPath(dir);
let serve: ChildProcess;
let serveDone: Promise<Finished>;
let address: string;
let translator: A2aTestAgent;

const FORECAST = 'What is the weather forecast for Paris tomorrow?';
const TOOL_BIDS = ['--bid', 'weather-tools:get_forecast=1', '--bid', 'weather-tools:translate_text=1'];

beforeAll(async () => {
  const tools = join(dir, 'weather-tools.json');
  writeFileSync(
    tools,
    JSON.stringify({
      name: 'Weather Tools',
      tools: [
        { name: 'get_forecast', title: 'Weather forecast', description: 'The weather forecast for a city' },
        { name: 'translate_text', description: 'Translate text between languages' },
      ],
    }),
  );
  serve = spawnCli(['serve', '--port', '0', '--db', db, '--roster', 'none', '--allow-mcp-commands']);
  serveDone = finished(serve);
  address = await listeningAddress(serve);
  const service = ['--service', address];
  const mcp = await cli([
    'agents',
    'add',
    ...service,
    '--mcp',
    '--',
    process.execPath,
    MCP_STDIO_SERVER,
    tools,
  ]);
  expect(mcp.stderr).toBe('');
  expect(mcp.code).toBe(0);
  translator = await startA2aTestAgent({ name: 'Translator', skills: [TRANSLATE_SKILL] });
  expect((await cli(['agents', 'add', ...service, translator.cardUrl])).code).toBe(0);
  const joined = await callJson({ url: address }, 'POST', '/v1/agents', {
    agent_id: 'auditor',
    agent_name: 'Auditor',
    capabilities: ['security'],
    keywords: ['firewall', 'audit'],
    rate_sats: 40,
  });
  expect(joined.status).toBe(201);
}, 60_000);

afterAll(async () => {
  serve?.kill('SIGTERM');
  await serveDone;
  await translator?.close();
});

describe('route --roster stored', () => {
  it('routes to an imported MCP tool, naming the tool and its server as POST /v1/route does', async () => {
    const args = ['route', FORECAST, '--roster', 'stored', '--db', db, ...TOOL_BIDS];
    const run = await cli(args);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('→ weather-tools:get_forecast: Selected weather-tools:get_forecast');
    expect(run.stdout).toContain("\n  MCP tool 'get_forecast' of server 'weather-tools'\n");
    expect(run.stdout).toContain(`logged to ${db}`);

    const record = JSON.parse((await cli([...args, '--json'])).stdout);
    expect(record.selected_agent).toBe('weather-tools:get_forecast');
    expect(record.selected_tool).toEqual({ server: 'weather-tools', tool: 'get_forecast' });
    const api = await callJson({ url: address }, 'POST', '/v1/route', {
      description: FORECAST,
      bids: [
        { agent_id: 'weather-tools:get_forecast', bid_sats: 1 },
        { agent_id: 'weather-tools:translate_text', bid_sats: 1 },
      ],
    });
    expect(api.body.selected_tool).toEqual(record.selected_tool);
  });

  it('routes to an A2A skill, naming the agent and the skill', async () => {
    const args = ['route', 'Translate this contract into French', '--roster', 'stored', '--db', db];
    const run = await cli([...args, '--bid', 'translator:translate=50', '--bid', 'auditor=40', '--json']);
    expect(run.code).toBe(0);
    const record = JSON.parse(run.stdout);
    expect(record.selected_agent).toBe('translator:translate');
    expect(record.selected_skill).toMatchObject({ agent: 'translator', skill: 'translate' });
    expect(record).not.toHaveProperty('selected_tool');
    // An agent that joined over HTTP is routed to as stored; it is neither tool nor skill.
    const plain = await cli([
      'route',
      'Audit the firewall rules',
      '--roster',
      'stored',
      '--db',
      db,
      '--bid',
      'auditor=40',
      '--json',
    ]);
    const auditor = JSON.parse(plain.stdout);
    expect(auditor.selected_agent).toBe('auditor');
    expect(auditor).not.toHaveProperty('selected_tool');
    expect(auditor).not.toHaveProperty('selected_skill');
  });
});

describe('stats --roster stored', () => {
  it('lists every stored entry, those the log has not seen too', async () => {
    const run = await cli(['stats', '--roster', 'stored', '--db', db, '--json']);
    expect(run.code).toBe(0);
    const ids = JSON.parse(run.stdout).agents.map((a: { agent_id: string }) => a.agent_id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'weather-tools:get_forecast',
        'weather-tools:translate_text',
        'translator:translate',
        'auditor',
      ]),
    );
  });
});

describe('swarm-router mcp --roster stored', () => {
  it('answers find_tools with the imported tools, naming server and tool', async () => {
    const mcp = await startMcpCli(['--roster', 'stored', '--db', db]);
    try {
      const answer = await mcp.findTools({ task: FORECAST, k: 5 });
      expect(answer.tools[0]).toMatchObject({
        rank: 1,
        agent_id: 'weather-tools:get_forecast',
        server: 'weather-tools',
        tool: 'get_forecast',
        title: 'Weather forecast',
      });
      // The pool is the MCP tools when there are any: the A2A skill and the auditor are not offered.
      expect(answer.tools.every((t) => t.server === 'weather-tools')).toBe(true);
      const translate = await mcp.findTools({ task: 'Translate text between languages', k: 1 });
      expect(translate.tools).toMatchObject([{ server: 'weather-tools', tool: 'translate_text' }]);
      expect(mcp.stderr()).toMatch(/find_tools over stdio on 4 agents \(2 MCP tools\), learning from /);
    } finally {
      await mcp.close();
    }
  });
});
