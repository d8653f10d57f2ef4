import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/event-bus.js';
import { createRouter } from '../../src/router/create-router.js';
import type { Router } from '../../src/router/router.js';
import { TaskService } from '../../src/service/task-service.js';
import { createStore } from '../../src/store/create-store.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { requirePostgres, testSchemas } from '../helpers/postgres.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * An agent's `max_concurrency` holds while tasks are decided concurrently and retried: an offer
 * being committed counts against the agent (agent-loads.ts), and a retry passes over a candidate that
 * filled up since its auction closed (tasks/task.ts, MayOffer).
 */

const dir = tempDir('swarm-router-capacity-');
const schemas = testSchemas('capacity');
afterAll(() => schemas.dropAll());
const ENGINES = [
  { name: 'SQLite', newDb: () => tempDbPath(dir) },
  ...((await requirePostgres()) ? [{ name: 'PostgreSQL', newDb: () => schemas.url() }] : []),
];

const open: { router: Router; service: TaskService }[] = [];
afterEach(async () => {
  for (const { router, service } of open.splice(0)) {
    await service.stop();
    await router.close();
  }
});

async function start(db: string, personas: readonly string[]) {
  const clock = new FakeClock();
  const store = createStore({ location: db });
  const router = createRouter({ store, clock });
  for (const p of personas) router.registerPersona(p);
  const service = await TaskService.open({
    router,
    store,
    clock,
    events: new EventBus(),
    settings: { reservationMs: 5_000, maxAttempts: 3, defaultBiddingWindowMs: 1_000 },
  });
  open.push({ router, service });
  /** Re-registers the agent, keeping its place, with this many tasks at most. */
  const limit = (agentId: string, maxConcurrency: number) => {
    const manifest = router.registry.get(agentId);
    if (manifest === undefined) throw new Error(`${agentId} is not registered`);
    router.registerAgent({ ...manifest, maxConcurrency });
  };
  return { router, service, clock, limit };
}

describe.each(ENGINES)('max_concurrency under concurrent decisions ($name)', ({ newDb }) => {
  it('two auctions closing together do not both offer an agent its last free slot', async () => {
    const { service, limit } = await start(newDb(), ['forge', 'quill']);
    limit('forge', 1);
    const description = 'Fix the bug in the auth code and write the docs';
    const tasks = [await service.post({ description }), await service.post({ description })];
    for (const task of tasks) await service.bid(task.taskId, 'quill', 40);
    // The last bid of each closes its auction: both decide while the other's offer is being committed.
    const closed = await Promise.all(tasks.map((task) => service.bid(task.taskId, 'forge', 10)));
    const toForge = closed.filter((task) => task.assignedAgent === 'forge');
    expect(closed.map((task) => task.status)).toEqual(['offered', 'offered']);
    expect(toForge).toHaveLength(1);
    expect(service.inFlightOf('forge')).toBe(1);
    expect(service.inFlightOf('quill')).toBe(1);
  });

  it('a retry passes over a candidate that has filled its slots since the auction closed', async () => {
    const { service, limit } = await start(newDb(), ['forge', 'quill', 'mace']);
    const task = await service.post({ description: 'Audit the security of the code and write the docs' });
    for (const [agent, sats] of [
      ['forge', 20],
      ['quill', 30],
      ['mace', 40],
    ] as const) {
      await service.bid(task.taskId, agent, sats);
    }
    const first = await service.get(task.taskId);
    expect(first.candidates).toHaveLength(3);
    const [holder, busy, spare] = first.candidates as [string, string, string];
    limit(busy, 1);
    // Another task fills `busy`'s one slot.
    const other = await service.post({
      description: 'Audit the security of the code and write the docs',
      excludedAgents: [holder, spare],
    });
    expect((await service.bid(other.taskId, busy, 10)).assignedAgent).toBe(busy);
    expect(service.inFlightOf(busy)).toBe(1);

    const retried = await service.reject(task.taskId, holder);
    expect(retried).toMatchObject({ status: 'offered', assignedAgent: spare, offerIndex: 2 });
    expect(service.inFlightOf(busy)).toBe(1);
  });

  it('a failure with every later candidate full or offline ends the task as failed, holding nobody', async () => {
    const { service, router, limit } = await start(newDb(), ['forge', 'quill']);
    const task = await service.post({ description: 'Fix the bug and write the docs' });
    for (const agent of ['forge', 'quill']) await service.bid(task.taskId, agent, 30);
    const first = await service.get(task.taskId);
    const [holder, next] = first.candidates as [string, string];
    await service.accept(task.taskId, holder);
    router.setAgentOnline(next, false);
    limit(next, 1);
    const failed = await service.fail(task.taskId, holder, 100);
    expect(failed).toMatchObject({ status: 'failed', failures: 1 });
    expect(service.inFlightOf(holder)).toBe(0);
    expect(service.inFlightOf(next)).toBe(0);
  });
});
