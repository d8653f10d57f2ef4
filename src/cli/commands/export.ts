import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { decisionRecord } from '../../wire/decision-dto.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';
import { dbOption, rosterOption, sinceOption } from '../shared-options.js';

export function registerExportCommand(program: Command, io: CliIo): void {
  program
    .command('export')
    .description('the whole audit log as JSONL, oldest first, streamed in constant memory')
    .addOption(sinceOption())
    .addOption(dbOption())
    .addOption(rosterOption('read'))
    .action(async (flags: { since?: number; db?: string; roster?: string }) => {
      const sinceMs = flags.since;
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
