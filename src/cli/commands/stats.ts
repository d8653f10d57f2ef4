import type { Command } from 'commander';
import type { AgentStats } from '../../audit/stats.js';
import { loadConfig } from '../../config/config.js';
import { toAgentStatsDto } from '../../wire/stats-dto.js';
import { normalizeId } from '../../wire/unicode-text.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';
import { dbOption, rosterOption } from '../shared-options.js';

interface StatsFlags {
  readonly db?: string;
  readonly roster?: string;
  readonly json?: boolean;
}

export function registerStatsCommand(program: Command, io: CliIo): void {
  program
    .command('stats')
    .description('per-agent routing statistics from the audit log')
    .argument('[agent_id]', 'one agent (default: every agent in the log)')
    .addOption(dbOption())
    .addOption(rosterOption('stats'))
    .option('--json', 'JSON output')
    .action(async (agentId: string | undefined, flags: StatsFlags) => {
      const withRoster = flags.roster !== undefined;
      const router = await openRouter({
        config: loadConfig({ db: flags.db, roster: flags.roster }, io.env),
        withRoster,
        logMustExist: true,
      });
      try {
        let stats: AgentStats[];
        if (agentId !== undefined) {
          stats = [await router.stats(normalizeId(agentId))];
        } else {
          // The log's agents, with the roster's first (in roster order) when one is given.
          const logged = new Map((await router.allStats()).map((s) => [s.agentId, s]));
          const rosterIds = router.registry.list().map((a) => a.agentId);
          stats = await Promise.all(rosterIds.map(async (id) => logged.get(id) ?? router.stats(id)));
          for (const id of rosterIds) logged.delete(id);
          stats.push(...logged.values());
        }
        const dtos = stats.map(toAgentStatsDto);
        if (flags.json === true) {
          await write(io.stdout, `${JSON.stringify(agentId === undefined ? { agents: dtos } : dtos[0])}\n`);
          return;
        }
        if (dtos.length === 0) {
          await write(io.stdout, 'the audit log has no decisions yet\n');
          return;
        }
        const head = ['agent'.padEnd(20), 'won'.padStart(8), 'considered'.padStart(10), 'bids'.padStart(8)];
        let out = `${[...head, 'win rate'.padStart(8), 'avg winning bid'.padStart(16)].join(' ')}\n`;
        for (const s of dtos) {
          const avg = s.avg_winning_bid_sats === null ? '-' : `${s.avg_winning_bid_sats.toFixed(1)} sat`;
          const rate = `${(s.win_rate * 100).toFixed(1)}%`;
          out += `${[
            s.agent_id.padEnd(20),
            String(s.tasks_won).padStart(8),
            String(s.tasks_considered).padStart(10),
            String(s.bids).padStart(8),
            rate.padStart(8),
            avg.padStart(16),
          ].join(' ')}\n`;
        }
        await write(io.stdout, out);
      } finally {
        await router.close();
      }
    });
}
