import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { personaBid, seededRandom } from '../../manifest/persona-bid.js';
import { PERSONAS } from '../../manifest/personas.js';
import { DEMO_TASKS } from '../demo-swarm.js';
import { formatDecision } from '../explain-format.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';
import { dbOption, noLogOption } from '../shared-options.js';

/** The first six of the service demo's sample tasks, one per persona's speciality. */
const SAMPLE_TASKS = DEMO_TASKS.slice(0, 6);

export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('route a few sample tasks across the six personas and explain each decision')
    .addOption(dbOption())
    .addOption(noLogOption())
    .option('--seed <n>', 'seed of the simulated bids', '42')
    .action(async (flags: { db?: string; log: boolean; seed: string }) => {
      const config = loadConfig({ db: flags.db, roster: 'personas' }, io.env);
      const router = await openRouter({ config, log: flags.log });
      const random = seededRandom(Number(flags.seed) || 0);
      try {
        await write(
          io.stdout,
          `swarm-router demo: ${PERSONAS.length} personas bid on ${SAMPLE_TASKS.length} tasks\n\n`,
        );
        for (const description of SAMPLE_TASKS) {
          const bids = PERSONAS.map((p) => ({
            agentId: p.personaId,
            bidSats: personaBid(p, description, random),
          }));
          const request = { description, bids };
          const decision = router.hasLog ? await router.route(request) : router.decide(request);
          await write(io.stdout, `${formatDecision(decision)}\n`);
        }
        if (router.hasLog) {
          await write(
            io.stdout,
            `decisions logged to ${config.db}. Next: npx swarm-router history | stats | export | verify\n`,
          );
        }
      } finally {
        await router.close();
      }
    });
}
