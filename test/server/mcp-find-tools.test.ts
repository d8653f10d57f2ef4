import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { type ListeningService, startListeningService } from '../helpers/listening-service.js';
import { startMcpCli } from '../helpers/mcp-cli-client.js';
import { type McpTestServer, startMcpTestServer } from '../helpers/mcp-test-server.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * swarm-router serves MCP itself: `swarm-router mcp` over stdio (spawned as a child process) and
 * `/mcp` on a listening service (Streamable HTTP), each with the tool find_tools, driven by the SDK's
 * own client: the best tool for a clear task comes first, and bad input is an MCP error, not a crash.
 */
const dir = tempDir();
const closing: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const thing of closing.reverse()) await thing.close();
});

const roster = join(dir, 'roster.json');
writeFileSync(
  roster,
  JSON.stringify({
    agents: [
      {
        agent_id: 'coder',
        agent_name: 'Coder',
        capabilities: ['coding', 'debugging'],
        keywords: ['bug'],
        rate_sats: 40,
        description: 'Fixes bugs in Python and TypeScript code',
      },
      {
        agent_id: 'translator',
        agent_name: 'Translator',
        capabilities: ['translation'],
        keywords: ['french', 'german'],
        rate_sats: 30,
        description: 'Translates letters and documents between languages',
      },
      {
        agent_id: 'forecaster',
        agent_name: 'Forecaster',
        capabilities: ['weather'],
        keywords: ['rain'],
        rate_sats: 20,
        description: 'Weather forecasts for any city',
      },
    ],
  }),
);

interface FindAnswer {
  isError?: boolean;
  content: { type: string; text?: string }[];
  structuredContent?: { task: string; tools: Record<string, unknown>[] };
}

async function find(client: Client, args: Record<string, unknown>): Promise<FindAnswer> {
  return (await client.callTool({ name: 'find_tools', arguments: args })) as FindAnswer;
}

const errorText = (answer: FindAnswer): string => answer.content.map((c) => c.text ?? '').join(' ');

/** The refusals every transport must answer with an error result, and then carry on. */
async function expectBadInputRefused(client: Client): Promise<void> {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ task: 'translate this', k: 0 }, /k/],
    [{ task: 'translate this', k: 1000 }, /k/],
    [{ task: 'translate this', k: 2.5 }, /k/],
    [{ task: '' }, /task must not be empty/],
    [{ task: '   ' }, /task must not be empty/],
    [{ task: 'x'.repeat(10_001) }, /task must be at most 10000 characters/],
    [{ k: 3 }, /task/],
    [{ task: 42 }, /task/],
  ];
  for (const [args, says] of cases) {
    const answer = await find(client, args);
    expect(answer.isError, JSON.stringify(args).slice(0, 60)).toBe(true);
    expect(errorText(answer)).toMatch(says);
  }
}

describe('swarm-router mcp (stdio)', () => {
  it('answers find_tools with the roster ranked for the task, and refuses bad input', async () => {
    const cli = await startMcpCli(['--roster', roster, '--db', join(dir, 'absent.db')]);
    const { client } = cli;
    closing.push(cli);
    expect(client.getServerVersion()?.name).toBe('swarm-router');

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['find_tools']);
    expect(tools[0]?.inputSchema.required).toEqual(['task']);

    const answer = await find(client, { task: 'Translate this letter and the bug report into French', k: 2 });
    expect(answer.isError).toBeFalsy();
    const found = answer.structuredContent?.tools ?? [];
    expect(found).toHaveLength(2);
    expect(found.map((t) => t.agent_id)).toEqual(['translator', 'coder']);
    expect(found[0]?.capability).toBeGreaterThan(found[1]?.capability as number);
    expect(found[0]?.reason).toMatch(/matches "translate", "letter", "french"/);
    expect(JSON.parse(answer.content[0]?.text ?? '')).toEqual(answer.structuredContent);
    // k defaults to 5; entries with no match at all are left out.
    expect(
      (await find(client, { task: 'fix the bug in my python code' })).structuredContent?.tools[0],
    ).toMatchObject({
      agent_id: 'coder',
    });

    await expectBadInputRefused(client);
    // Still serving after the refusals.
    expect(
      (await find(client, { task: 'will it rain tomorrow' })).structuredContent?.tools[0]?.agent_id,
    ).toBe('forecaster');
    expect(cli.stderr()).toMatch(/find_tools over stdio on 3 agents/);
    await client.close();
    // find_tools reads a log when there is one; it creates none.
    expect(existsSync(join(dir, 'absent.db'))).toBe(false);
  });
});

describe('/mcp on a listening service (Streamable HTTP)', () => {
  let s: ListeningService;
  let remote: McpTestServer;

  it('ranks the imported MCP tools for the task, naming server and tool', async () => {
    remote = await startMcpTestServer({
      tools: [
        { name: 'get_forecast', title: 'Weather forecast', description: 'The weather forecast for a city' },
        { name: 'translate_text', description: 'Translate text between languages' },
        { name: 'search_code', description: 'Search source code for a symbol' },
      ],
    });
    closing.push(remote);
    s = await startListeningService({ db: tempDbPath(dir) });
    closing.push(s);
    const added = await fetch(`${s.url}/v1/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mcp_url: remote.url, agent_id: 'wx' }),
    });
    expect(added.status).toBe(201);

    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`)));
    closing.push(client);
    const answer = await find(client, { task: 'What is the weather forecast for Paris tomorrow?', k: 3 });
    const found = answer.structuredContent?.tools ?? [];
    expect(found[0]).toMatchObject({
      rank: 1,
      agent_id: 'wx:get_forecast',
      server: 'wx',
      tool: 'get_forecast',
      title: 'Weather forecast',
    });
    // Only the MCP tools when there are any: no persona of the roster is offered.
    expect(found.every((t) => typeof t.server === 'string')).toBe(true);
    await expectBadInputRefused(client);
  });

  it('answers 405 to GET and DELETE: the endpoint keeps no sessions', async () => {
    const get = await fetch(`${s.url}/mcp`, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    const bad = await fetch(`${s.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'nope' } }),
    });
    // A stateless server answers any well-formed request; an unknown tool is an MCP error, not a 500.
    expect(bad.status).toBeLessThan(500);
  });
});
