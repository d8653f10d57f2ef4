import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBids } from '../../src/store/record-rows.js';
import { call } from '../helpers/http-call.js';
import { requirePostgres, TEST_PG_URL, testSchemas } from '../helpers/postgres.js';
import { cli } from '../helpers/run-cli.js';
import { finished, listeningAddress, spawnCli } from '../helpers/spawn-cli.js';

/**
 * Three real `serve` processes on one PostgreSQL schema, a thousand auctions, every agent bidding
 * through another instance than the one the task was posted to, and one instance killed with SIGKILL
 * half-way. Afterwards every posted task is decided exactly once, every acknowledged bid is in its
 * decision, and the hash chain verifies.
 */
const available = await requirePostgres();
const schemas = testSchemas('race');
/** Every child started, so that a failed run does not leave servers behind. */
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await schemas.dropAll();
});

const PERSONAS = ['echo', 'mace', 'helm', 'seer', 'forge', 'quill'];
const TASKS = 1000;
const WORKERS = 16;
const WINDOW_MS = 250;
const DESCRIPTIONS = [
  'Fix the bug in the auth code',
  'Write the release notes',
  'Audit the firewall rules',
  'Research the history of routing',
  'Deploy the service with a CI pipeline',
  'Analyze the sales data for trends',
];

interface Instance {
  readonly child: ChildProcess;
  readonly url: string;
  alive: boolean;
}

async function serve(db: string): Promise<Instance> {
  const child = spawnCli(
    [
      'serve',
      '--port',
      '0',
      '--db',
      db,
      '--roster',
      'personas',
      '--reservation-ms',
      '600000', // no re-offers while the test runs: each task's one decision is what is checked
    ],
    {
      // Every agent and the poster share one address and no token: this test is about races, not limits.
      SWARM_ROUTER_RATE_LIMIT: 'off',
    },
  );
  children.push(child);
  return { child, url: await listeningAddress(child), alive: true };
}

describe.runIf(available)('scale-out on PostgreSQL (three real processes)', () => {
  it('decides every task exactly once, keeps every acknowledged bid, and verifies, with one instance killed half-way', async () => {
    const db = schemas.url();
    // Started together on a new schema: one applies the migrations, the others wait and find them applied.
    const instances: Instance[] = await Promise.all([serve(db), serve(db), serve(db)]);
    const exits = instances.map((i) => finished(i.child));
    const posted = new Map<string, number>(); // task id → index of the instance it was posted to
    const acknowledged = new Map<string, Map<string, number>>(); // task id → agent → sats
    let next = 0;
    let killed = false;
    const alive = () => instances.filter((i) => i.alive);

    const worker = async (): Promise<void> => {
      for (;;) {
        const n = next++;
        if (n >= TASKS) return;
        if (n >= TASKS / 2 && !killed) {
          killed = true;
          const victim = instances[1] as Instance;
          victim.alive = false;
          victim.child.kill('SIGKILL');
        }
        const live = alive();
        const poster = live[n % live.length] as Instance;
        let taskId: string;
        try {
          const answer = await call(poster.url, 'POST', '/v1/tasks', {
            description: `${DESCRIPTIONS[n % DESCRIPTIONS.length]} #${n}`,
            bidding_window_ms: WINDOW_MS,
          });
          if (answer.status !== 201) throw new Error(`post answered ${answer.status}`);
          taskId = answer.json.task.task_id;
        } catch (error) {
          if (poster.alive) throw error;
          continue; // posted to the instance that was just killed: not acknowledged, not checked
        }
        posted.set(taskId, instances.indexOf(poster));
        const bids = new Map<string, number>();
        acknowledged.set(taskId, bids);
        const others = instances.filter((i) => i !== poster);
        // All six at once, through both other instances, while the short window runs out: the last
        // bid's instance, the instances' timers and late bids all race for the one decision.
        await Promise.all(
          PERSONAS.map(async (agent, k) => {
            const via = others[k % others.length] as Instance;
            const sats = 10 + ((n * 7 + k * 13) % 90);
            try {
              const answer = await call(via.url, 'POST', `/v1/tasks/${taskId}/bids`, {
                agent_id: agent,
                bid_sats: sats,
              });
              if (answer.status === 201) bids.set(agent, sats);
              else if (answer.status !== 409) {
                throw new Error(`bid answered ${answer.status}: ${JSON.stringify(answer.json)}`);
              }
              // 409: the auction had closed; that bid was refused, not acknowledged.
            } catch (error) {
              if (via.alive) throw error;
              // Sent to the killed instance: no answer, so not acknowledged.
            }
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    expect(killed).toBe(true);
    expect(posted.size).toBeGreaterThan(TASKS * 0.9);

    // Windows end, and the survivors claim the killed instance's timers once its leases run out.
    const survivor = alive()[0] as Instance;
    await expect
      .poll(
        async () => (await call(survivor.url, 'GET', '/v1/tasks?status=open&limit=1')).json.tasks.length,
        {
          timeout: 60_000,
          interval: 500,
        },
      )
      .toBe(0);

    const schema = new URL(db).searchParams.get('schema') as string;
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      await client.query(`SET search_path TO "${schema}"`);
      const tasks = (await client.query('SELECT task_id, status, decision_seq, decision_id FROM tasks'))
        .rows as {
        task_id: string;
        status: string;
        decision_seq: number | null;
        decision_id: Buffer | null;
      }[];
      const decisions = (
        await client.query('SELECT seq, decision_id, task_id, bids FROM decisions ORDER BY seq')
      ).rows as {
        seq: string;
        decision_id: Buffer;
        task_id: string;
        bids: Buffer;
      }[];
      const agentIds = new Map(
        (await client.query('SELECT agent_key, agent_id FROM agent_keys')).rows.map((r) => [
          r.agent_key,
          r.agent_id,
        ]),
      );
      // Every acknowledged task is stored and decided; every decision belongs to one task, once.
      const byTask = new Map<string, (typeof decisions)[number][]>();
      for (const d of decisions) byTask.set(d.task_id, [...(byTask.get(d.task_id) ?? []), d]);
      for (const taskId of posted.keys()) {
        const task = tasks.find((t) => t.task_id === taskId);
        expect(task?.status, taskId).not.toBe('open');
        expect(byTask.get(taskId), taskId).toHaveLength(1);
        // The task names its decision: by seq, or by id when decided in a batch (migration 0013).
        const decision = (byTask.get(taskId) as (typeof decisions)[number][])[0];
        const named =
          task?.decision_seq == null
            ? task?.decision_id?.equals(decision?.decision_id as Buffer)
            : Number(task.decision_seq) === Number(decision?.seq);
        expect(named, taskId).toBe(true);
      }
      expect(decisions.length).toBe(tasks.length); // no decision without its task, none twice
      // Every acknowledged bid is in its task's decision, at the sats acknowledged.
      let checkedBids = 0;
      for (const [taskId, bids] of acknowledged) {
        const decision = (byTask.get(taskId) as { bids: Buffer }[])[0] as { bids: Buffer };
        const logged = new Map(decodeBids(decision.bids).map((b) => [agentIds.get(b.agentKey), b.bidSats]));
        for (const [agent, sats] of bids) {
          expect(logged.get(agent), `${taskId} ${agent}`).toBe(sats);
          checkedBids++;
        }
      }
      expect(checkedBids).toBeGreaterThan(posted.size); // most bids beat the short window
    } finally {
      await client.end();
    }

    const verify = await cli(['verify', '--db', db]);
    expect(verify.stdout).toMatch(/^all \d+ records verify/);
    expect(verify.code).toBe(0);

    for (const instance of alive()) instance.child.kill('SIGTERM');
    const ended = await Promise.all(exits);
    expect(ended[1]?.signal).toBe('SIGKILL');
    expect(ended[0]?.code).toBe(0);
    expect(ended[2]?.code).toBe(0);
  }, 180_000);
});
