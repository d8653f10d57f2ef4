import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import { type McpTestService, startMcpTestService } from '../helpers/mcp-service.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * The example of docs/mcp.md and examples/mcp/ works as documented: the weather server joins a swarm
 * over stdio (the service runs it) and over Streamable HTTP (it runs on its own), and find_tools on
 * the swarm's /mcp then finds its tools.
 */
const EXAMPLE = fileURLToPath(new URL('../../examples/mcp/weather-server.mjs', import.meta.url));
const dir = tempDir();
const closing: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const thing of closing.reverse()) await thing.close();
});

async function post(s: McpTestService, body: unknown) {
  const response = await fetch(`${s.url}/v1/agents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { mcp_server: McpServerAnswer } };
}

interface McpServerAnswer {
  readonly name: string;
  readonly transport: string;
  readonly connected: boolean;
  readonly tools: { agent_id: string }[];
}

/** Starts the example over HTTP on a free port; resolves to its URL once it listens. */
function startHttpExample(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [EXAMPLE, '--http', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  closing.push({
    close: async () => {
      child.kill();
    },
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /at (http:\/\/\S+\/mcp)/.exec(seen);
      if (match?.[1] !== undefined) resolve({ url: match[1], child });
    });
    child.on('exit', () => reject(new Error(`the example exited: ${seen}`)));
  });
}

describe('examples/mcp/weather-server.mjs', () => {
  it('joins over stdio and over HTTP, and find_tools finds its tools', async () => {
    const s = await startMcpTestService({ db: tempDbPath(dir), allowMcpCommands: true });
    closing.push(s);
    const byCommand = await post(s, { mcp_command: ['node', EXAMPLE] });
    expect(byCommand.status).toBe(201);
    expect(byCommand.body.mcp_server.tools.map((t) => t.agent_id)).toEqual([
      'weather:get_forecast',
      'weather:get_alerts',
      'weather:convertTemperature',
    ]);

    const { url } = await startHttpExample();
    const byUrl = await post(s, { mcp_url: url, agent_id: 'weather-http' });
    expect(byUrl.status).toBe(201);
    expect(byUrl.body.mcp_server).toMatchObject({ name: 'Weather', transport: 'http', connected: true });

    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`)));
    closing.push(client);
    const answer = (await client.callTool({
      name: 'find_tools',
      arguments: { task: 'Is there a storm warning for Brittany?', k: 2 },
    })) as { structuredContent?: { tools: { tool?: string }[] } };
    expect(answer.structuredContent?.tools.map((t) => t.tool)).toEqual(['get_alerts', 'get_alerts']);
  });
});
