import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { MAX_PAGE_SIZE } from '../../router/router.js';
import { decisionRecord } from '../../wire/decision-dto.js';
import { normalizeId } from '../../wire/unicode-text.js';
import { badArgument } from '../cli-error.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';
import { parseTime } from '../parse-time.js';
import { dbOption, rosterOption, sinceOption } from '../shared-options.js';

interface HistoryFlags {
  readonly task?: string;
  readonly agent?: string;
  readonly since?: number;
  readonly until?: string;
  readonly limit: string;
  readonly cursor?: string;
  readonly db?: string;
  readonly roster?: string;
  readonly json?: boolean;
}

export function registerHistoryCommand(program: Command, io: CliIo): void {
  program
    .command('history')
    .description('logged decisions, newest first, filtered by task, agent and time')
    .option('--task <task_id>', 'decisions for this task')
    .option('--agent <agent_id>', 'decisions in which this agent was scored or bid (exact id)')
    .addOption(sinceOption())
    .option('--until <time>', 'before this time (ISO 8601 or epoch ms)')
    .option('--limit <n>', `page size, 1..${MAX_PAGE_SIZE}`, '20')
    .option('--cursor <cursor>', 'continue from a previous page')
    .addOption(dbOption())
    .addOption(rosterOption('read'))
    .option('--json', 'one full decision record per line, then {"next_cursor": …}')
    .action(async (flags: HistoryFlags) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
        throw badArgument('--limit', `an integer from 1 to ${MAX_PAGE_SIZE}`, flags.limit);
      }
      const query = {
        limit,
        ...(flags.task === undefined ? {} : { taskId: flags.task }),
        ...(flags.agent === undefined ? {} : { agentId: normalizeId(flags.agent) }),
        ...(flags.since === undefined ? {} : { sinceMs: flags.since }),
        ...(flags.until === undefined ? {} : { untilMs: parseTime('--until', flags.until) }),
        ...(flags.cursor === undefined ? {} : { cursor: flags.cursor }),
      };
      const router = await openRouter({
        config: loadConfig({ db: flags.db, roster: flags.roster }, io.env),
        withRoster: flags.roster !== undefined,
        logMustExist: true,
      });
      try {
        const page = await router.history(query);
        if (flags.json === true) {
          let out = '';
          for (const d of page.decisions) out += `${decisionRecord(d)}\n`;
          await write(io.stdout, `${out}${JSON.stringify({ next_cursor: page.nextCursor })}\n`);
          return;
        }
        if (page.decisions.length === 0) {
          await write(io.stdout, 'no decisions match\n');
          return;
        }
        let out = '';
        for (const d of page.decisions) {
          const time = new Date(d.timestampMs).toISOString();
          out += `#${d.seq}  ${time}  ${d.taskId}  → ${d.selectedAgent ?? '(none)'}  ${d.selectionReason}\n`;
        }
        if (page.nextCursor !== null) out += `more: --cursor ${page.nextCursor}\n`;
        await write(io.stdout, out);
      } finally {
        await router.close();
      }
    });
}
