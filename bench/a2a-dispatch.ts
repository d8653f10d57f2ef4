/**
 * The overhead of sending tasks to A2A agents (`npm run bench:a2a`): `serve` (dist/, SQLite, an admin
 * token, no roster) with one A2A agent registered by its card — a real @a2a-js/sdk server in this
 * process (test/helpers/a2a-test-agent.ts) that answers at once — takes TASKS tasks posted one after
 * another; the router bids for the agent's skill, the auction closes at that bid, the task is sent to
 * the agent and followed to its end. From wall-clock timestamps (ms) on this one machine:
 *
 * - decision → agent request: the decision's timestamp to the moment the agent's executor starts;
 * - agent result → task completed: the moment the agent publishes its result to the task's
 *   completion in the service (its updated_at);
 *
 * for an agent that does not stream (SendMessage, then GetTask polls) and one that streams
 * (SendStreamingMessage). Environment: BENCH_A2A_TASKS (200).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startA2aTestAgent } from '../test/helpers/a2a-test-agent.js';
import { BENCH_ADMIN_TOKEN, startServe } from './auction-load.js';
import { envNumber } from './env-number.js';
import { machineLine } from './machine.js';

const TASKS = envNumber('BENCH_A2A_TASKS', 200, { min: 1 });
const workDir = mkdtempSync(join(tmpdir(), 'swarm-router-a2a-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

const headers = { 'content-type': 'application/json', authorization: `Bearer ${BENCH_ADMIN_TOKEN}` };

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function run(streaming: boolean): Promise<string> {
  const received = new Map<string, number>();
  const finished = new Map<string, number>();
  const agent = await startA2aTestAgent({
    name: 'Bench Translator',
    skills: [
      {
        id: 'translate',
        name: 'Translate',
        description: 'Translate contracts and letters between languages',
        tags: ['translation'],
        examples: ['Translate this contract into French'],
      },
    ],
    rateSats: 10,
    streaming,
    onTask: (moment, text, atMs) => (moment === 'received' ? received : finished).set(text, atMs),
  });
  const service = await startServe(
    ['--db', join(workDir, `${streaming ? 'stream' : 'send'}.db`), '--roster', 'none'],
    { SWARM_ROUTER_ADMIN_TOKEN: BENCH_ADMIN_TOKEN },
  );
  try {
    const added = await fetch(`${service.url}/v1/agents`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ agent_card_url: agent.baseUrl }),
    });
    if (added.status !== 201) throw new Error(`registering the agent: ${added.status} ${await added.text()}`);
    const toRequest: number[] = [];
    const toCompleted: number[] = [];
    for (let i = 0; i < TASKS; i++) {
      const description = `Translate this contract into French, part ${i}`;
      const posted = await fetch(`${service.url}/v1/tasks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ description, bidding_window_ms: 60_000 }),
      });
      const taskId = ((await posted.json()) as { task: { task_id: string } }).task.task_id;
      for (;;) {
        const answer = (await (await fetch(`${service.url}/v1/tasks/${taskId}`, { headers })).json()) as {
          task: { status: string; updated_at: string };
          decision: { timestamp_ms: number } | null;
        };
        if (answer.task.status === 'completed' || answer.task.status === 'failed') {
          if (answer.task.status !== 'completed' || answer.decision === null) {
            throw new Error(`task ${taskId} ended ${answer.task.status}`);
          }
          toRequest.push((received.get(description) as number) - answer.decision.timestamp_ms);
          toCompleted.push(Date.parse(answer.task.updated_at) - (finished.get(description) as number));
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const line = (values: number[]) => `p50 ${percentile(values, 50)} ms, p99 ${percentile(values, 99)} ms`;
    return `${streaming ? 'streaming agent     ' : 'non-streaming agent '} ${TASKS} tasks: decision → agent request ${line(toRequest)}; agent result → task completed ${line(toCompleted)}`;
  } finally {
    service.child.kill('SIGTERM');
    await new Promise((resolve) => service.child.once('exit', resolve));
    await agent.close();
  }
}

console.log(`swarm-router A2A dispatch overhead — ${machineLine()}`);
console.log(await run(false));
console.log(await run(true));
