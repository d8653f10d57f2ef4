import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { toAgentStatsDto } from '../../wire/stats-dto.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';

export function registerStatsCommand(program: Command, io: CliIo): void {
  program
    .command('stats')
    .description('per-agent routing statistics from the audit log')
    .argument('[agent_id]', 'one agent (default: every agent in the log)')
    .option('--db <file>', 'audit log database (default: ./data/swarm-router.db)')
    .option('--json', 'JSON output')
    .action(async (agentId: string | undefined, flags: { db?: string; json?: boolean }) => {
      const router = await openRouter({ config: loadConfig({ db: flags.db }, io.env), withRoster: false });
      try {
        const stats = agentId === undefined ? await router.allStats() : [await router.stats(agentId)];
        const dtos = stats.map(toAgentStatsDto);
        if (flags.json === true) {
          await write(io.stdout, `${JSON.stringify(agentId === undefined ? { agents: dtos } : dtos[0])}\n`);
          return;
        }
        if (dtos.length === 0) {
          await write(io.stdout, 'the audit log has no decisions yet\n');
          return;
        }
        let out = `${'agent'.padEnd(20)} ${'won'.padStart(8)} ${'considered'.padStart(10)} ${'bids'.padStart(8)} ${'win rate'.padStart(8)} ${'avg winning bid'.padStart(16)}\n`;
        for (const s of dtos) {
          const avg = s.avg_winning_bid_sats === null ? '-' : `${s.avg_winning_bid_sats.toFixed(1)} sat`;
          out += `${s.agent_id.padEnd(20)} ${String(s.tasks_won).padStart(8)} ${String(s.tasks_considered).padStart(10)} ${String(s.bids).padStart(8)} ${`${(s.win_rate * 100).toFixed(1)}%`.padStart(8)} ${avg.padStart(16)}\n`;
        }
        await write(io.stdout, out);
      } finally {
        await router.close();
      }
    });
}
