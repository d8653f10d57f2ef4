import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';
import { startProgress } from '../progress.js';

/** Exit status when the chain is broken: the command worked, the log did not verify. */
export const VERIFY_FAILED_EXIT_CODE = 1;

export function registerVerifyCommand(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  program
    .command('verify')
    .description("walk the audit log's hash chain and name the first record that does not match")
    .option(
      '--db <file|url>',
      'audit log: a SQLite file or a postgres:// URL (default: ./data/swarm-router.db)',
    )
    .option(
      '--roster <file|personas>',
      'accepted (and checked) like route; the log alone answers this command',
    )
    .option('--json', 'JSON output')
    .action(async (flags: { db?: string; roster?: string; json?: boolean }) => {
      const router = await openRouter({
        config: loadConfig({ db: flags.db, roster: flags.roster }, io.env),
        withRoster: flags.roster !== undefined,
        logMustExist: true,
      });
      try {
        const progress = startProgress(io, await router.countDecisions(), 'verifying');
        const result = await router.verify((checked) => progress.update(checked));
        progress.stop();
        const bad = result.firstBad;
        if (flags.json === true) {
          const report = {
            ok: result.ok,
            records_verified: result.records,
            head_hash: result.headHash,
            first_bad:
              bad === null ? null : { seq: bad.seq, decision_id: bad.decisionId, problem: bad.problem },
            problems: result.problems,
          };
          await write(io.stdout, `${JSON.stringify(report)}\n`);
        } else if (bad !== null) {
          await write(
            io.stdout,
            `record #${bad.seq} (decision ${bad.decisionId}) does not verify: ${bad.problem}; ${result.records} records before it verify\n`,
          );
        } else if (result.problems.length > 0) {
          const list = result.problems.map((p) => `  - ${p}\n`).join('');
          await write(
            io.stdout,
            `all ${result.records} records verify, but what is kept beside them does not:\n${list}`,
          );
        } else {
          await write(io.stdout, `all ${result.records} records verify; head hash ${result.headHash}\n`);
        }
        if (!result.ok) setExitCode(VERIFY_FAILED_EXIT_CODE);
      } finally {
        await router.close();
      }
    });
}
