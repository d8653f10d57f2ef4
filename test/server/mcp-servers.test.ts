import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callJson, closedAfterEach, TRANSLATE_SKILL } from '../helpers/a2a-fixtures.js';
import { startA2aTestAgent } from '../helpers/a2a-test-agent.js';
import { type McpTestService, startMcpTestService } from '../helpers/mcp-service.js';
import {
  MCP_STDIO_SERVER,
  type McpTestServer,
  startMcpTestServer,
  startRawMcpServer,
  type TestTool,
} from '../helpers/mcp-test-server.js';
import { cli } from '../helpers/run-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * MCP servers join a swarm tool by tool: real servers built with @modelcontextprotocol/sdk (over
 * Streamable HTTP, and over stdio as a child process the service runs) are registered, their tools
 * become entries that route like any agent, a change of their tools is followed without a restart,
 * and bad servers are refused with the reason named and nothing registered.
 */
const dir = tempDir();
const started = closedAfterEach();
afterAll(async () => {
  for (const thing of started.splice(0)) await thing.close();
});

const WEATHER: TestTool[] = [
  {
    name: 'get_forecast',
    title: 'Weather forecast',
    description: 'The weather forecast for a city, day by day',
  },
  { name: 'translate_text', description: 'Translate text between languages' },
];

type TestService = McpTestService;

async function service(options: { allowMcpCommands?: boolean; db?: string } = {}): Promise<TestService> {
  const s = await startMcpTestService({ ...options, db: options.db ?? tempDbPath(dir) });
  started.push(s);
  return s;
}

async function mcpServer(options: Parameters<typeof startMcpTestServer>[0]): Promise<McpTestServer> {
  const s = await startMcpTestServer(options);
  started.push(s);
  return s;
}

const call = callJson;

async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const ids = (entries: { agent_id: string }[]): string[] => entries.map((e) => e.agent_id);

async function closedPort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe('MCP servers registered by URL', () => {
  it('registers every tool as an entry <server>:<tool>, routes to them and names the tool in the answer', async () => {
    const remote = await mcpServer({ name: 'Weather Tools', tools: WEATHER });
    const s = await service();
    const added = await call(s, 'POST', '/v1/agents', { mcp_url: remote.url });
    expect(added.status).toBe(201);
    expect(added.body?.mcp_server).toMatchObject({
      server_id: 'weather-tools',
      name: 'Weather Tools',
      version: '1.0.0',
      transport: 'http',
      url: remote.url,
      connected: true,
    });
    const tools = added.body?.mcp_server.tools;
    expect(ids(tools)).toEqual(['weather-tools:get_forecast', 'weather-tools:translate_text']);
    expect(tools[0]).toMatchObject({
      agent_name: 'Weather forecast',
      capabilities: ['get', 'forecast'],
      rate_sats: 0,
      status: 'online',
      mcp: { server: 'weather-tools', tool: 'get_forecast', title: 'Weather forecast' },
    });

    const routed = await call(s, 'POST', '/v1/route', {
      description: 'Translate this contract into German',
      bids: [
        { agent_id: 'weather-tools:get_forecast', bid_sats: 1 },
        { agent_id: 'weather-tools:translate_text', bid_sats: 1 },
        { agent_id: 'echo', bid_sats: 40 },
      ],
    });
    expect(routed.status).toBe(200);
    expect(routed.body?.selected_agent).toBe('weather-tools:translate_text');
    expect(routed.body?.selected_tool).toEqual({ server: 'weather-tools', tool: 'translate_text' });
    // A decision for an agent that is no tool has no selected_tool.
    const plain = await call(s, 'POST', '/v1/route', {
      description: 'Research the history of tea',
      bids: [{ agent_id: 'echo', bid_sats: 20 }],
    });
    expect(plain.body?.selected_agent).toBe('echo');
    expect(plain.body).not.toHaveProperty('selected_tool');

    const listed = await call(s, 'GET', '/v1/mcp-servers');
    expect(listed.body?.mcp_servers.map((m: { server_id: string }) => m.server_id)).toEqual([
      'weather-tools',
    ]);
    expect((await call(s, 'GET', '/v1/mcp-servers/weather-tools')).body?.mcp_server.tools).toHaveLength(2);
  });

  it('follows tools/list_changed: tools added and removed at the server become entries without a restart', async () => {
    const remote = await mcpServer({ tools: WEATHER });
    const s = await service();
    expect((await call(s, 'POST', '/v1/agents', { mcp_url: remote.url, agent_id: 'wx' })).status).toBe(201);

    remote.addTool({ name: 'airQuality', description: 'Air quality index and pollen counts for a city' });
    await eventually(
      async () => (await call(s, 'GET', '/v1/agents/wx:airQuality')).status === 200,
      'the new tool',
    );
    expect((await call(s, 'GET', '/v1/agents/wx:airQuality')).body?.agent).toMatchObject({
      capabilities: ['air', 'quality'],
      mcp: { server: 'wx', tool: 'airQuality' },
    });
    remote.removeTool('get_forecast');
    await eventually(
      async () => (await call(s, 'GET', '/v1/agents/wx:get_forecast')).status === 404,
      'the removal',
    );

    // On request too; nothing changed since.
    const refreshed = await call(s, 'POST', '/v1/mcp-servers/wx/refresh');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ added: [], changed: [], removed: [] });
    expect(ids(refreshed.body?.mcp_server.tools)).toEqual(['wx:translate_text', 'wx:airQuality']);
  });

  it('keeps entries managed by their server, and removes the server whole, ending its session', async () => {
    const remote = await mcpServer({ tools: WEATHER });
    const s = await service();
    await call(s, 'POST', '/v1/agents', { mcp_url: remote.url, agent_id: 'wx', rate_sats: 3 });
    expect(remote.sessions()).toBe(1);
    const patched = await call(s, 'PATCH', '/v1/agents/wx:get_forecast', { rate_sats: 1 });
    expect(patched.status).toBe(409);
    expect(patched.body?.error.code).toBe('mcp_managed');
    expect(patched.body?.error.message).toMatch(/tool 'get_forecast' of MCP server 'wx'/);
    expect((await call(s, 'DELETE', '/v1/agents/wx:get_forecast')).body?.error.code).toBe('mcp_managed');

    const again = await call(s, 'POST', '/v1/agents', { mcp_url: remote.url, agent_id: 'wx' });
    expect(again.status).toBe(409);
    expect(again.body?.error.message).toMatch(/MCP server 'wx' is already registered/);

    expect((await call(s, 'DELETE', '/v1/mcp-servers/wx')).status).toBe(204);
    expect((await call(s, 'GET', '/v1/agents/wx:get_forecast')).status).toBe(404);
    expect((await call(s, 'GET', '/v1/mcp-servers')).body?.mcp_servers).toEqual([]);
    await eventually(() => remote.sessions() === 0, 'the session to end');
    expect((await call(s, 'DELETE', '/v1/mcp-servers/wx')).status).toBe(404);
  });

  it('reads every page of tools/list', async () => {
    const remote = await startRawMcpServer({
      name: 'Paged',
      pages: [
        [{ name: 'a1', inputSchema: { type: 'object' } }],
        [{ name: 'b2', inputSchema: { type: 'object' } }],
        [{ name: 'c3', inputSchema: { type: 'object' } }],
      ],
    });
    started.push(remote);
    const s = await service();
    const added = await call(s, 'POST', '/v1/agents', { mcp_url: remote.url });
    expect(added.status).toBe(201);
    expect(ids(added.body?.mcp_server.tools)).toEqual(['paged:a1', 'paged:b2', 'paged:c3']);
  });

  it('connects again after a restart, from what the store kept', async () => {
    const remote = await mcpServer({ tools: WEATHER });
    const first = await service();
    await call(first, 'POST', '/v1/agents', { mcp_url: remote.url, agent_id: 'wx' });
    started.splice(started.indexOf(first), 1);
    await first.close();
    await eventually(() => remote.sessions() === 0, 'the first session to end');

    const second = await service({ db: first.db });
    await eventually(
      async () => (await call(second, 'GET', '/v1/mcp-servers/wx')).body?.mcp_server.connected === true,
      'the service to connect again',
    );
    expect(remote.sessions()).toBe(1);
    remote.addTool({ name: 'sunrise', description: 'Sunrise and sunset times' });
    await eventually(
      async () => (await call(second, 'GET', '/v1/agents/wx:sunrise')).status === 200,
      'the new tool',
    );
  });
});

describe('MCP servers the service runs (stdio)', () => {
  it('runs the command, registers its tools, follows their changes and stops it when the server is removed', async () => {
    const tools = join(dir, 'stdio-tools.json');
    const pidFile = join(dir, 'stdio-tools.pid');
    writeFileSync(
      tools,
      JSON.stringify({
        name: 'Local Files',
        tools: [{ name: 'read_file', description: 'Read a text file' }],
      }),
    );
    const s = await service({ allowMcpCommands: true });
    const command = [process.execPath, MCP_STDIO_SERVER, tools, pidFile];
    const added = await call(s, 'POST', '/v1/agents', { mcp_command: command });
    expect(added.status).toBe(201);
    expect(added.body?.mcp_server).toMatchObject({
      server_id: 'local-files',
      version: '2.0.0',
      transport: 'stdio',
      command,
      connected: true,
    });
    expect(ids(added.body?.mcp_server.tools)).toEqual(['local-files:read_file']);

    writeFileSync(
      tools,
      JSON.stringify({
        tools: [{ name: 'write_file', title: 'Write a file', description: 'Write a text file' }],
      }),
    );
    await eventually(
      async () => (await call(s, 'GET', '/v1/agents/local-files:write_file')).status === 200,
      'the changed tools',
    );
    expect((await call(s, 'GET', '/v1/agents/local-files:read_file')).status).toBe(404);

    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(isRunning(pid)).toBe(true);
    expect((await call(s, 'DELETE', '/v1/mcp-servers/local-files')).status).toBe(204);
    await eventually(() => !isRunning(pid), 'the server process to end');
  });

  it('stops the processes it runs when the service closes', async () => {
    const tools = join(dir, 'closing-tools.json');
    const pidFile = join(dir, 'closing-tools.pid');
    writeFileSync(tools, JSON.stringify({ tools: [{ name: 'ping_host' }] }));
    const s = await service({ allowMcpCommands: true });
    await call(s, 'POST', '/v1/agents', {
      mcp_command: [process.execPath, MCP_STDIO_SERVER, tools, pidFile],
    });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    started.splice(started.indexOf(s), 1);
    await s.close();
    await eventually(() => !isRunning(pid), 'the server process to end');
  });

  it('runs no command unless serve allows it', async () => {
    const s = await service();
    const refused = await call(s, 'POST', '/v1/agents', {
      mcp_command: [process.execPath, MCP_STDIO_SERVER, 'x'],
    });
    expect(refused.status).toBe(403);
    expect(refused.body?.error.code).toBe('mcp_commands_disabled');
    expect(refused.body?.error.message).toMatch(/--allow-mcp-commands/);
  });
});

describe('bad MCP servers are refused, nothing registered', () => {
  it('names what was wrong: unreachable, not MCP, no tools, a bad tool list, a bad command', async () => {
    const s = await service({ allowMcpCommands: true });
    const port = await closedPort();
    const gone = await call(s, 'POST', '/v1/agents', { mcp_url: `http://127.0.0.1:${port}/mcp` });
    expect(gone.status).toBe(502);
    expect(gone.body?.error.code).toBe('mcp_unavailable');
    expect(gone.body?.error.message).toMatch(
      new RegExp(`mcp_url \\(http://127\\.0\\.0\\.1:${port}/mcp\\): no MCP server answered.*ECONNREFUSED`),
    );

    const web = createHttpServer((_req, res) =>
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>nope</h1>'),
    );
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    started.push({ close: () => new Promise<void>((resolve) => web.close(() => resolve())) });
    const notMcp = await call(s, 'POST', '/v1/agents', {
      mcp_url: `http://127.0.0.1:${(web.address() as AddressInfo).port}/`,
    });
    expect(notMcp.status).toBe(502);
    expect(notMcp.body?.error.message).toMatch(/no MCP server answered \(HTTP 404: .*nope/);

    const noTools = await startRawMcpServer({ pages: [], withoutTools: true });
    started.push(noTools);
    const toolless = await call(s, 'POST', '/v1/agents', { mcp_url: noTools.url });
    expect(toolless.status).toBe(502);
    expect(toolless.body?.error.message).toMatch(/offers no tools/);

    const badList = await startRawMcpServer({
      pages: [
        [
          { name: 'fine', inputSchema: { type: 'object' } },
          { name: 'files:read', inputSchema: { type: 'object' } },
        ],
      ],
    });
    started.push(badList);
    const colon = await call(s, 'POST', '/v1/agents', { mcp_url: badList.url });
    expect(colon.status).toBe(400);
    expect(colon.body?.error.message).toMatch(/mcp_url \(.*\): tools\[1\]\.name 'files:read' contains ':'/);

    const looping = await startRawMcpServer({ pages: [[]], loopCursor: true });
    started.push(looping);
    const loop = await call(s, 'POST', '/v1/agents', { mcp_url: looping.url });
    expect(loop.status).toBe(400);
    expect(loop.body?.error.message).toMatch(/nextCursor names the page just read again/);

    const empty = await startRawMcpServer({ pages: [[]] });
    started.push(empty);
    expect((await call(s, 'POST', '/v1/agents', { mcp_url: empty.url })).body?.error.message).toMatch(
      /the server lists no tools/,
    );

    const missing = await call(s, 'POST', '/v1/agents', { mcp_command: ['/nonexistent/mcp-server-binary'] });
    expect(missing.status).toBe(502);
    expect(missing.body?.error.message).toMatch(
      /mcp_command \(\/nonexistent\/mcp-server-binary\): the command did not start an MCP server.*ENOENT/,
    );

    const silent = await call(s, 'POST', '/v1/agents', {
      mcp_command: [
        process.execPath,
        '-e',
        'process.stderr.write("not an MCP server"); setTimeout(() => {}, 60000)',
      ],
    });
    expect(silent.status).toBe(502);
    expect(silent.body?.error.message).toMatch(/timed out.*it wrote: "not an MCP server"/);

    const exits = await call(s, 'POST', '/v1/agents', {
      mcp_command: [process.execPath, '-e', 'process.exit(3)'],
    });
    expect(exits.status).toBe(502);
    expect(exits.body?.error.message).toMatch(/the command did not start an MCP server \(.*closed/i);

    const both = await call(s, 'POST', '/v1/agents', { mcp_url: 'http://127.0.0.1:9/', mcp_command: ['x'] });
    expect(both.body?.error.message).toMatch(/mcp_url or mcp_command, not both/);
    const file = await call(s, 'POST', '/v1/agents', { mcp_url: 'file:///etc/passwd' });
    expect(file.status).toBe(400);
    expect(file.body?.error.message).toMatch(/mcp_url must be an http or https URL/);
    const unknownField = await call(s, 'POST', '/v1/agents', {
      mcp_url: 'http://127.0.0.1:9/',
      agent_card: {},
    });
    expect(unknownField.body?.error.message).toMatch(/body: agent_card is not a known field/);

    expect((await call(s, 'GET', '/v1/mcp-servers')).body?.mcp_servers).toEqual([]);
    expect((await call(s, 'GET', '/v1/agents')).body?.total).toBe(1);
  });

  it('refuses a server whose tool would take an id already registered, registering none of it', async () => {
    const remote = await mcpServer({ tools: WEATHER });
    const s = await service();
    await call(s, 'POST', '/v1/agents', {
      agent_id: 'wx:translate_text',
      agent_name: 'squatter',
      capabilities: ['translation'],
      keywords: [],
      rate_sats: 1,
    });
    const refused = await call(s, 'POST', '/v1/agents', { mcp_url: remote.url, agent_id: 'wx' });
    expect(refused.status).toBe(409);
    expect(refused.body?.error.message).toMatch(/wx:translate_text/);
    expect((await call(s, 'GET', '/v1/agents/wx:get_forecast')).status).toBe(404);
    await eventually(() => remote.sessions() === 0, 'the refused server’s session to end');
  });

  it('keeps one id for one thing: an A2A agent may not take the id of an MCP server, nor the reverse', async () => {
    const remote = await mcpServer({ tools: WEATHER });
    const a2a = await startA2aTestAgent({ skills: [TRANSLATE_SKILL] });
    started.push(a2a);
    const s = await service();
    expect((await call(s, 'POST', '/v1/agents', { mcp_url: remote.url, agent_id: 'wx' })).status).toBe(201);
    const card = await call(s, 'POST', '/v1/agents', { agent_card_url: a2a.cardUrl, agent_id: 'wx' });
    expect(card.status).toBe(409);
    expect(card.body?.error.message).toMatch(/'wx' is the id of an MCP server/);
    expect(
      (await call(s, 'POST', '/v1/agents', { agent_card_url: a2a.cardUrl, agent_id: 'bot' })).status,
    ).toBe(201);
    const server = await call(s, 'POST', '/v1/agents', { mcp_url: remote.url, agent_id: 'bot' });
    expect(server.status).toBe(409);
    expect(server.body?.error.message).toMatch(/'bot' is the id of an A2A agent/);
  });
});

describe('swarm-router agents with MCP servers', () => {
  it('adds (--mcp-url, --mcp), lists, refreshes and removes them', async () => {
    const remote = await mcpServer({ name: 'Weather Tools', tools: WEATHER });
    const s = await service({ allowMcpCommands: true });
    const flags = ['--service', s.url];
    const added = await cli(['agents', 'add', '--mcp-url', remote.url, '--rate', '2', ...flags]);
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(
      /^weather-tools {2}Weather Tools 1\.0\.0 \(MCP over http: http:\/\/127\.0\.0\.1:\d+\/mcp\)\n/,
    );
    expect(added.stdout).toMatch(/weather-tools:get_forecast +2 sat {2}online +get, forecast/);

    const tools = join(dir, 'cli-tools.json');
    writeFileSync(tools, JSON.stringify({ tools: [{ name: 'read_file' }] }));
    const byCommand = await cli([
      'agents',
      'add',
      '--id',
      'files',
      '--json',
      ...flags,
      '--mcp',
      '--',
      process.execPath,
      MCP_STDIO_SERVER,
      tools,
    ]);
    expect(byCommand.stderr).toBe('');
    expect(JSON.parse(byCommand.stdout).mcp_server).toMatchObject({
      server_id: 'files',
      transport: 'stdio',
      command: [process.execPath, MCP_STDIO_SERVER, tools],
    });

    const listed = await cli(['agents', 'list', ...flags]);
    expect(listed.stdout).toMatch(
      /no A2A agents\nweather-tools .*\nfiles +Stdio Tools 2\.0\.0 \(MCP over stdio: /s,
    );

    expect((await cli(['agents', 'refresh', 'files', ...flags])).stdout).toMatch(
      /added none; changed none; removed none/,
    );
    expect((await cli(['agents', 'remove', 'files', ...flags])).stdout).toBe('removed MCP server files\n');
    const wrong = await cli(['agents', 'add', '--mcp-url', remote.url, 'http://x/', ...flags]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/agents add takes one of a card/);
    expect(existsSync(tools)).toBe(true);
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
