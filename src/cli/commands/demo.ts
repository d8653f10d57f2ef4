import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { personaBid, seededRandom } from '../../manifest/persona-bid.js';
import { PERSONAS } from '../../manifest/personas.js';
import { formatDecision } from '../explain-format.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';

const SAMPLE_TASKS = [
  'Fix the bug in the authentication code',
  'Write documentation for the REST API',
  'Analyze quarterly sales data and chart the trends',
  'Audit the firewall rules and scan for vulnerabilities',
  'Deploy the service to Kubernetes with a CI pipeline',
  'Research and summarize recent papers on agent swarms',
];

export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('route a few sample tasks across the six personas and explain each decision')
    .option('--db <file>', 'audit log database (default: ./data/swarm-router.db)')
    .option('--no-log', 'do not write the decisions to the audit log')
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
