#!/usr/bin/env node
// A tiny MCP server built with @modelcontextprotocol/sdk, to try swarm-router's MCP support with
// (docs/mcp.md). Its answers are made up. Run it two ways:
//   node examples/mcp/weather-server.mjs               stdio: the service runs it (agents add --mcp)
//   node examples/mcp/weather-server.mjs --http 3001   Streamable HTTP at http://127.0.0.1:3001/mcp
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

function buildServer() {
  const server = new McpServer({ name: 'Weather', version: '1.0.0' });
  server.registerTool(
    'get_forecast',
    {
      title: 'Weather forecast',
      description: 'The weather forecast for a city: temperature, rain and wind, day by day',
      inputSchema: { city: z.string().describe('the city'), days: z.number().int().min(1).max(7).default(3) },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ city, days }) => ({
      content: [{ type: 'text', text: `${city}: mild, light rain, for the next ${days} days` }],
    }),
  );
  server.registerTool(
    'get_alerts',
    {
      title: 'Severe weather alerts',
      description: 'Storm, flood and heat warnings in force for a region',
      inputSchema: { region: z.string() },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ region }) => ({ content: [{ type: 'text', text: `no alerts for ${region}` }] }),
  );
  server.registerTool(
    'convertTemperature',
    {
      description: 'Convert a temperature between Celsius and Fahrenheit',
      inputSchema: { value: z.number(), to: z.enum(['C', 'F']) },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ value, to }) => {
      const converted = to === 'F' ? (value * 9) / 5 + 32 : ((value - 32) * 5) / 9;
      return { content: [{ type: 'text', text: `${converted.toFixed(1)} °${to}` }] };
    },
  );
  return server;
}

const httpAt = process.argv.indexOf('--http');
if (httpAt === -1) {
  // stdio: stdout carries the protocol, so say anything else on stderr.
  await buildServer().connect(new StdioServerTransport());
  process.stderr.write('weather MCP server on stdio\n');
} else {
  const port = Number(process.argv[httpAt + 1] ?? 3001);
  const sessions = new Map();
  const http = createServer(async (req, res) => {
    let body;
    if (req.method === 'POST') {
      let text = '';
      for await (const chunk of req) text += chunk;
      body = JSON.parse(text);
    }
    let transport = sessions.get(req.headers['mcp-session-id']);
    if (transport === undefined) {
      if (req.method !== 'POST' || !isInitializeRequest(body)) {
        res.writeHead(400).end('no session');
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      transport.onclose = () => sessions.delete(transport.sessionId);
      await buildServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  });
  http.listen(port, '127.0.0.1', () =>
    process.stderr.write(`weather MCP server at http://127.0.0.1:${http.address().port}/mcp\n`),
  );
}
