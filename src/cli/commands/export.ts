import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { decisionRecord } from '../../wire/decision-dto.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';
import { parseTime } from '../parse-time.js';

export function registerExportCommand(program: Command, io: CliIo): void {
  program
    .command('export')
    .description('the whole audit log as JSONL, oldest first, streamed in constant memory')
    .option('--since <time>', 'only decisions at or after this time (ISO 8601 or epoch ms)')
    .option(
      '--db <file|url>',
      'audit log: a SQLite file or a postgres:// URL (default: ./data/swarm-router.db)',
    )
    .option(
      '--roster <file|personas>',
      'accepted (and checked) like route; the log alone answers this command',
    )
    .action(async (flags: { since?: string; db?: string; roster?: string }) => {
      const sinceMs = flags.since === undefined ? undefined : parseTime('--since', flags.since);
      const router = await openRouter({
        config: loadConfig({ db: flags.db, roster: flags.roster }, io.env),
        withRoster: flags.roster !== undefined,
        logMustExist: true,
      });
      try {
        let out = '';
        for await (const decision of router.export(sinceMs === undefined ? {} : { sinceMs })) {
          out += `${decisionRecord(decision)}\n`;
          // Flushed in ~64 KiB pieces: few syscalls, and memory stays bounded.
          if (out.length > 65_536) {
            await write(io.stdout, out);
            out = '';
          }
        }
        if (out !== '') await write(io.stdout, out);
      } finally {
        await router.close();
      }
    });
}
