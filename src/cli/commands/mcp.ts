import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { displayLocation, isPostgresUrl } from '../../store/create-store.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';
import {
  dbOption,
  noLogOption,
  relatedOption,
  rosterOption,
  scorerOption,
  semanticOption,
} from '../shared-options.js';

interface McpFlags {
  readonly roster?: string;
  readonly scorer?: string;
  readonly related?: string;
  readonly semantic?: string;
  readonly db?: string;
  readonly log: boolean;
}

/**
 * `swarm-router mcp`: the roster as an MCP server over stdio, for an MCP client (an IDE, an agent
 * framework) that starts it as a command. Its one tool, find_tools, ranks the roster for a task
 * (mcp/find-tools.ts). Standard output carries the protocol and nothing else; a line on standard error
 * says what is served. The audit log, when there is one, is read for what outcomes taught the router
 * and never written (find_tools decides nothing); none is created.
 */
export function registerMcpCommand(program: Command, io: CliIo): void {
  program
    .command('mcp')
    .description('serve the roster as an MCP server over stdio: the tool find_tools ranks it for a task')
    .addOption(rosterOption('route'))
    .addOption(scorerOption())
    .addOption(relatedOption())
    .addOption(semanticOption())
    .addOption(dbOption())
    .addOption(
      noLogOption('do not read the audit log (mcp never writes one): learn nothing from its outcomes'),
    )
    .action(async (flags: McpFlags) => {
      const config = loadConfig(
        {
          db: flags.db,
          roster: flags.roster,
          scorer: flags.scorer,
          related: flags.related,
          semantic: flags.semantic,
        },
        io.env,
      );
      const hasLog =
        flags.log && (isPostgresUrl(config.db) || (config.db !== ':memory:' && existsSync(config.db)));
      const router = await openRouter({ config, log: hasLog });
      // The SDK and zod are loaded by the command that serves MCP: start-up time for the others.
      const { findToolsServer } = await import('../../mcp/find-tools.js');
      const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
      const server = findToolsServer(router);
      const closed = new Promise<void>((resolve) => {
        server.server.onclose = resolve;
      });
      await server.connect(new StdioServerTransport(process.stdin, io.stdout));
      const stop = () => void server.close();
      // The client ends the session by closing our standard input (or with a signal).
      process.stdin.once('end', stop);
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      const tools = router.registry.list().filter((m) => m.mcp !== undefined).length;
      await write(
        io.stderr,
        `swarm-router mcp: find_tools over stdio on ${router.registry.size} agents${tools > 0 ? ` (${tools} MCP tools)` : ''}` +
          `${hasLog ? `, learning from ${displayLocation(config.db)}` : ''}\n`,
      );
      try {
        await closed;
      } finally {
        process.stdin.off('end', stop);
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        await router.close();
      }
    });
}
