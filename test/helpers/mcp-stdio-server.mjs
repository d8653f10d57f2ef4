#!/usr/bin/env node
// A real MCP server over stdio for tests (test/helpers/mcp-test-server.ts): `node mcp-stdio-server.mjs
// TOOLS.json [PID_FILE]` serves the tools listed in the file ({"name", "title"?, "tools": [{"name", "title"?,
// "description"?}]}), each with a zod input schema, and follows the file: when it changes, tools are
// added and removed, which the SDK announces with notifications/tools/list_changed. Nothing but the
// transport writes to stdout. PID_FILE, when given, receives the process id (tests check that it ends).
import { readFileSync, watchFile, writeFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const file = process.argv[2];
const read = () => JSON.parse(readFileSync(file, 'utf8'));
const first = read();
const server = new McpServer(
  { name: first.name ?? 'Stdio Tools', version: '2.0.0' },
  { capabilities: { tools: { listChanged: true } } },
);
const registered = new Map();

function sync(spec) {
  const wanted = new Map(spec.tools.map((tool) => [tool.name, tool]));
  for (const [name, tool] of registered) {
    if (!wanted.has(name)) {
      tool.remove();
      registered.delete(name);
    }
  }
  for (const [name, tool] of wanted) {
    if (registered.has(name)) continue;
    const config = { inputSchema: { input: z.string() } };
    if (tool.title !== undefined) config.title = tool.title;
    if (tool.description !== undefined) config.description = tool.description;
    registered.set(
      name,
      server.registerTool(name, config, async ({ input }) => ({
        content: [{ type: 'text', text: `${name}: ${input}` }],
      })),
    );
  }
}

sync(first);
await server.connect(new StdioServerTransport());
if (process.argv[3] !== undefined) writeFileSync(process.argv[3], String(process.pid));
process.stderr.write(`stdio test server up with ${registered.size} tools\n`);
watchFile(file, { interval: 50 }, () => {
  try {
    sync(read());
  } catch (error) {
    process.stderr.write(`cannot read ${file}: ${error.message}\n`);
  }
});
process.stdin.on('end', () => process.exit(0));
