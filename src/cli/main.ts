#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { isRouterError } from '../kernel/errors.js';
import { packageVersion } from '../kernel/package-version.js';
import { isUsageError } from './cli-error.js';
import { registerAgentsCommand } from './commands/agents.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerExportCommand } from './commands/export.js';
import { registerHistoryCommand } from './commands/history.js';
import { registerMcpCommand } from './commands/mcp.js';
import { registerOutcomeCommand } from './commands/outcome.js';
import { registerRouteCommand } from './commands/route.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStatsCommand } from './commands/stats.js';
import { registerVerifyCommand } from './commands/verify.js';
import { type CliIo, processIo } from './io.js';

/** Exit code for a failure that is our fault, not the input's (sysexits EX_SOFTWARE). */
const INTERNAL_ERROR_EXIT_CODE = 70;

/**
 * Runs the CLI with the given arguments (without `node` and the script) and resolves to the exit
 * code. Errors never escape as stack traces: a RouterError prints one line naming what was wrong,
 * and a mistake in the command line (commander's, or a usage error) ends with where the help is.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('swarm-router')
    .description(
      'Route tasks to the best agent in a swarm, explain why, and keep a tamper-evident audit log.',
    )
    .version(packageVersion(), '-V, --version', 'print the version of swarm-router')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerRouteCommand(program, io);
  registerOutcomeCommand(program, io);
  registerHistoryCommand(program, io);
  registerStatsCommand(program, io);
  registerExportCommand(program, io);
  registerVerifyCommand(program, io, (code) => {
    exitCode = code;
  });
  registerEvalCommand(program, io);
  registerDemoCommand(program, io);
  registerServeCommand(program, io);
  registerAgentsCommand(program, io);
  registerMcpCommand(program, io);
  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput({
      ...program.configureOutput(),
      outputError: (text, write) => write(usageLine(text.replace(/^error: /, ''), command)),
    });
  }
  // The command being run, so that a usage error thrown by one of its parsers or its action points
  // to its own help rather than the program's.
  let running: Command = program;
  program.hook('preSubcommand', (_program, subcommand) => {
    running = subcommand;
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (isRouterError(error)) {
      io.stderr.write(
        isUsageError(error) ? usageLine(error.message, running) : `swarm-router: ${error.message}\n`,
      );
      return error.exitCode;
    }
    if ((error as NodeJS.ErrnoException)?.code === 'EPIPE') return 0; // reader went away (| head)
    io.stderr.write(`swarm-router: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    if (io.env.SWARM_ROUTER_DEBUG) io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    else io.stderr.write('(set SWARM_ROUTER_DEBUG=1 for the stack trace, and please report it)\n');
    return INTERNAL_ERROR_EXIT_CODE;
  }
}

/**
 * One line for a mistake in the command line, ending with the help of the command it was made in:
 * `swarm-router: unknown option '--bogus' (see swarm-router route --help)`. Commander's own
 * messages may carry a second line (a "did you mean"), joined here.
 */
function usageLine(message: string, command: Command): string {
  const path = command.parent === null ? command.name() : `${command.parent.name()} ${command.name()}`;
  return `swarm-router: ${message.trim().replace(/\s*\n\s*/g, ' ')} (see ${path} --help)\n`;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
  process.exitCode = await runCli(process.argv.slice(2));
}
