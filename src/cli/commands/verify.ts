import type { Command } from 'commander';
import type { VerifyResult } from '../../audit/verify.js';
import { loadConfig } from '../../config/config.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';
import { startProgress } from '../progress.js';
import { dbOption, rosterOption } from '../shared-options.js';

/** Exit status when the chain is broken: the command worked, the log did not verify. */
export const VERIFY_FAILED_EXIT_CODE = 1;

export function registerVerifyCommand(
  program: Command,
  io: CliIo,
  setExitCode: (code: number) => void,
): void {
  program
    .command('verify')
    .description(
      "walk the audit log's hash chains (decisions, and the ledger of agents, tasks, bids, events and outcomes) and name what does not match",
    )
    .addOption(dbOption())
    .addOption(rosterOption('read'))
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
        await write(
          io.stdout,
          flags.json === true ? `${JSON.stringify(jsonReport(result))}\n` : textReport(result),
        );
        if (!result.ok) setExitCode(VERIFY_FAILED_EXIT_CODE);
      } finally {
        await router.close();
      }
    });
}

/**
 * The decision chain's verdict on the first line (as before the ledger), then the ledger's on the
 * next; each names what does not verify, or prints its head hash to anchor elsewhere.
 */
function textReport(result: VerifyResult): string {
  const list = (problems: readonly string[]) => problems.map((p) => `  - ${p}\n`).join('');
  const bad = result.firstBad;
  let text: string;
  if (bad !== null) {
    text = `record #${bad.seq} (decision ${bad.decisionId}) does not verify: ${bad.problem}; ${result.records} records before it verify\n`;
  } else if (result.problems.length > 0) {
    text = `all ${result.records} records verify, but what is kept beside them does not:\n${list(result.problems)}`;
  } else {
    text = `all ${result.records} records verify; head hash ${result.headHash}\n`;
  }
  const ledger = result.ledger;
  if (ledger === undefined) return text;
  if (ledger.firstBad !== null) {
    text += `ledger entry #${ledger.firstBad.entrySeq} does not verify: ${ledger.firstBad.problem}; ${ledger.entries} entries before it verify\n`;
  } else if (ledger.problems.length > 0) {
    text += `ledger: all ${ledger.entries} entries verify, but the rows they seal do not:\n${list(ledger.problems)}`;
  } else {
    text += `ledger: all ${ledger.entries} entries verify; head hash ${ledger.headHash}\n`;
  }
  const adopted = ledger.adopted;
  const unsealed = adopted === null ? 0 : adopted.agents + adopted.tasks + adopted.events + adopted.outcomes;
  if (adopted !== null && unsealed > 0) {
    text += `  unsealed history: ${unsealed} rows were written before sealing began (${adopted.agents} agents, ${adopted.tasks} tasks, ${adopted.events} events, ${adopted.outcomes} outcomes); they are sealed as found then, what happened to them before is not\n`;
  }
  if (ledger.pending > 0) {
    text += `  pending: ${ledger.pending} changes are committed but not sealed yet; their rows are checked once they are\n`;
  }
  return text;
}

function jsonReport(result: VerifyResult): Record<string, unknown> {
  const bad = result.firstBad;
  const ledger = result.ledger;
  return {
    ok: result.ok,
    records_verified: result.records,
    head_hash: result.headHash,
    first_bad: bad === null ? null : { seq: bad.seq, decision_id: bad.decisionId, problem: bad.problem },
    problems: result.problems,
    ledger:
      ledger === undefined
        ? null
        : {
            ok: ledger.ok,
            entries_verified: ledger.entries,
            head_hash: ledger.headHash,
            first_bad:
              ledger.firstBad === null
                ? null
                : { entry_seq: ledger.firstBad.entrySeq, problem: ledger.firstBad.problem },
            unsealed_history: ledger.adopted,
            pending: ledger.pending,
            problems: ledger.problems,
          },
  };
}
