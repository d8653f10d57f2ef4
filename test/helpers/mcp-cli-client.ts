import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface McpCliClient {
  readonly client: Client;
  /** What `swarm-router mcp` wrote on its standard error so far. */
  stderr(): string;
  /** find_tools' structured answer for these arguments. */
  findTools(args: Record<string, unknown>): Promise<{ task: string; tools: Record<string, unknown>[] }>;
  close(): Promise<void>;
}

/**
 * `swarm-router mcp ARGS…` started from source as a child process and driven by the MCP SDK's own
 * client over its standard input and output, as an MCP client that starts it as a command would.
 */
export async function startMcpCli(args: readonly string[]): Promise<McpCliClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', 'src/cli/main.ts', 'mcp', ...args],
    cwd: ROOT,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(transport);
  return {
    client,
    stderr: () => stderr,
    async findTools(toolArgs) {
      const answer = (await client.callTool({ name: 'find_tools', arguments: toolArgs })) as {
        isError?: boolean;
        content: { text?: string }[];
        structuredContent?: { task: string; tools: Record<string, unknown>[] };
      };
      if (answer.isError === true || answer.structuredContent === undefined) {
        throw new Error(`find_tools failed: ${answer.content.map((c) => c.text ?? '').join(' ')}`);
      }
      return answer.structuredContent;
    },
    close: () => client.close(),
  };
}
