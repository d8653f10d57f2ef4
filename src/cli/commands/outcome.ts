import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { OUTCOME_STATUSES, type OutcomeStatus } from '../../policy/outcome.js';
import { normalizeId } from '../../wire/unicode-text.js';
import { badArgument } from '../cli-error.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';
import { dbOption } from '../shared-options.js';

interface OutcomeFlags {
  readonly db?: string;
  readonly durationMs?: string;
  readonly json?: boolean;
}

/**
 * `swarm-router outcome SEQ AGENT completed|failed`: reports how a routed task went, so the router
 * learns from it (the service's outcome endpoints do the same). Only the agent the decision selected
 * may report (`not_selected` otherwise). The next `route` on the same log replays every recorded
 * outcome before deciding.
 */
export function registerOutcomeCommand(program: Command, io: CliIo): void {
  program
    .command('outcome')
    .description('record how a routed task went (completed or failed), so routing learns from it')
    .argument('<seq>', 'the decision sequence number (route prints it)')
    .argument('<agent_id>', 'the agent the decision selected')
    .argument('<status>', OUTCOME_STATUSES.join(' or '))
    .option('--duration-ms <ms>', 'how long the agent took')
    .addOption(dbOption())
    .option('--json', 'JSON output')
    .action(async (seqText: string, agentId: string, status: string, flags: OutcomeFlags) => {
      if (!/^\d+$/.test(seqText) || Number(seqText) < 1) {
        throw badArgument('seq', 'a decision sequence number (an integer ≥ 1)', seqText);
      }
      if (!(OUTCOME_STATUSES as readonly string[]).includes(status)) {
        throw badArgument('status', OUTCOME_STATUSES.join(' or '), status);
      }
      const durationMs = flags.durationMs === undefined ? undefined : Number(flags.durationMs);
      if (durationMs !== undefined && !(Number.isFinite(durationMs) && durationMs >= 0)) {
        throw badArgument('--duration-ms', 'a number of milliseconds ≥ 0', flags.durationMs as string);
      }
      const router = await openRouter({
        config: loadConfig({ db: flags.db }, io.env),
        withRoster: false,
        logMustExist: true,
      });
      try {
        const recorded = await router.recordOutcome({
          seq: Number(seqText),
          agentId: normalizeId(agentId),
          status: status as OutcomeStatus,
          ...(durationMs === undefined ? {} : { durationMs }),
        });
        await write(
          io.stdout,
          flags.json === true
            ? `${JSON.stringify({
                outcome_seq: recorded.outcomeSeq,
                seq: recorded.seq,
                task_id: recorded.taskId,
                agent_id: recorded.agentId,
                status: recorded.status,
                duration_ms: recorded.durationMs ?? null,
                recorded_at: new Date(recorded.recordedAtMs).toISOString(),
              })}\n`
            : `recorded: ${recorded.agentId} ${recorded.status} task ${recorded.taskId} (decision #${recorded.seq})\n`,
        );
      } finally {
        await router.close();
      }
    });
}
