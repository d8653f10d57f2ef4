import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/event-bus.js';
import { RouterError } from '../../src/kernel/errors.js';
import type { AgentManifest } from '../../src/manifest/manifest.js';
import { createRouter } from '../../src/router/create-router.js';
import type { Router } from '../../src/router/router.js';
import { TaskService } from '../../src/service/task-service.js';
import { createStore } from '../../src/store/create-store.js';
import type { SharedStore, Store } from '../../src/store/store.js';
import type { Task } from '../../src/tasks/task.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { requirePostgres, testSchemas } from '../helpers/postgres.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * max_concurrency against what races an offer's commit (agent-loads.ts): random concurrent traffic
 * with roster changes and catch-ups, a catch-up whose read and a commit overlap, and A2A skills
 * removed while they hold tasks (their agent stays as busy).
 */

const dir = tempDir('swarm-router-capacity-races-');
const schemas = testSchemas('capraces');
afterAll(() => schemas.dropAll());
const ENGINES = [
  { name: 'SQLite', newDb: () => tempDbPath(dir), runs: 100 },
  ...((await requirePostgres()) ? [{ name: 'PostgreSQL', newDb: () => schemas.url(), runs: 25 }] : []),
];

function skill(agent: string, name: string, maxConcurrency: number): AgentManifest {
  return {
    agentId: `${agent}:${name}`,
    agentName: `${agent} ${name}`,
    capabilities: [],
    keywords: ['translate', 'summarise'],
    rateSats: 10,
    maxConcurrency,
    a2a: {
      agent,
      skill: name,
      skillName: name,
      cardName: agent,
      cardVersion: '1.0.0',
      protocolVersion: '1.0',
      endpoints: [{ url: `http://127.0.0.1:1/${agent}`, binding: 'JSONRPC', protocolVersion: '1.0' }],
      streaming: false,
    },
  };
}
const plain = (agentId: string, maxConcurrency?: number): AgentManifest => ({
  agentId,
  agentName: agentId,
  capabilities: [],
  keywords: ['translate', 'summarise'],
  rateSats: 10,
  ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
});
const DESCRIPTION = 'translate and summarise this';

/**
 * The store with hooks: `commitTask` and `inFlightByAgent` answer only once their gate opens (the
 * store has done the work by then), and a SQLite store passes for a shared one, so that the service
 * catches up from it (syncFromStore) as from PostgreSQL.
 */
function hooked(store: Store) {
  const gates: {
    commit?: Promise<void>;
    read?: Promise<void>;
    committing?: () => void;
    /** Whether the next commit fails before it is made, as a store gone for a moment. */
    fails?: () => boolean;
  } = {};
  const wrapped = new Proxy(store, {
    get(target, key) {
      if (key === 'shared') return target.shared ?? ({} as SharedStore);
      if (key === 'commitTask')
        return async (...args: Parameters<Store['commitTask']>) => {
          gates.committing?.();
          if (gates.fails?.() === true) throw new RouterError('store_unavailable', 'the store is gone');
          const committed = await target.commitTask(...args);
          await gates.commit;
          return committed;
        };
      if (key === 'inFlightByAgent')
        return async () => {
          const loads = await target.inFlightByAgent();
          await gates.read;
          return loads;
        };
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: wrapped, gates };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const open: { router: Router; service: TaskService }[] = [];
afterEach(async () => {
  for (const { router, service } of open.splice(0)) {
    await service.stop();
    await router.close();
  }
});

async function start(db: string, agents: readonly AgentManifest[]) {
  const clock = new FakeClock();
  const inner = createStore({ location: db });
  const { store, gates } = hooked(inner);
  const router = createRouter({ store: inner, clock, wordVectors: false });
  for (const manifest of agents) router.registerAgent(manifest);
  const service = await TaskService.open({
    router,
    store,
    clock,
    events: new EventBus(),
    settings: { reservationMs: 5_000, maxAttempts: 3, defaultBiddingWindowMs: 1_000 },
  });
  open.push({ router, service });
  /** Posts a task and has these agents bid on it, at once; `close`: then its window ends. */
  const auction = async (bidders: readonly string[], close = false, deadlineInMs?: number): Promise<Task> => {
    const task = await service.post({
      description: DESCRIPTION,
      ...(deadlineInMs === undefined ? {} : { deadlineMs: clock.now() + deadlineInMs }),
    });
    await Promise.allSettled(bidders.map((agentId, i) => service.bid(task.taskId, agentId, 10 + i)));
    if (close) {
      clock.advance(1_000);
      await service.runDue();
    }
    return service.get(task.taskId);
  };
  /** Tasks each agent holds as stored. */
  const stored = async (ids: readonly string[]) => {
    const held = new Map<string, number>();
    for (const id of ids) {
      const task = await service.get(id);
      if ((task.status === 'offered' || task.status === 'accepted') && task.assignedAgent !== null)
        held.set(task.assignedAgent, (held.get(task.assignedAgent) ?? 0) + 1);
    }
    return held;
  };
  return { router, service, clock, gates, auction, stored };
}

describe.each(ENGINES)('max_concurrency and what races an offer ($name)', ({ newDb }) => {
  it('a catch-up read before an offer was committed, and taken after, does not free the slot', async () => {
    const { service, gates, auction } = await start(newDb(), [plain('forge', 1), plain('quill')]);
    const read = gate();
    gates.read = read.promise;
    const sync = service.syncFromStore(); // reads forge holding nothing, and waits
    const first = await auction(['forge', 'quill']);
    read.open();
    await sync;
    const second = await auction(['forge', 'quill']);
    expect([first.assignedAgent, second.assignedAgent]).toEqual(['forge', 'quill']);
    expect(service.inFlightOf('forge')).toBe(1);
  });

  it('a catch-up read after an offer was stored, and taken before it is counted, does not count it twice', async () => {
    const { service, gates, auction } = await start(newDb(), [plain('forge', 2), plain('quill')]);
    const commit = gate();
    const committing = gate();
    gates.commit = commit.promise;
    gates.committing = committing.open;
    const offered = auction(['forge', 'quill']);
    await committing.promise;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the offer is stored, not yet answered
    await service.syncFromStore(); // reads forge holding it
    commit.open();
    expect((await offered).assignedAgent).toBe('forge');
    expect(service.inFlightOf('forge')).toBe(1);
    delete gates.commit;
    await service.syncFromStore();
    expect(service.inFlightOf('forge')).toBe(1);
  });

  it("an A2A skill removed while it holds an accepted task keeps its agent's other skills full", async () => {
    const { router, service, auction } = await start(newDb(), [
      skill('poly', 'translate', 1),
      skill('poly', 'summarise', 1),
      plain('free'),
    ]);
    const first = await auction(['poly:translate'], true);
    expect(first.assignedAgent).toBe('poly:translate');
    router.registry.unregister('poly:translate');
    expect(router.refusalOf('free', 10, {})).toBeNull(); // the router takes the roster change now
    await service.accept(first.taskId, 'poly:translate');
    expect(router.refusalOf('poly:summarise', 10, {})).toBe('are at capacity');
    expect((await auction(['poly:summarise', 'free'], true)).assignedAgent).toBe('free');
  });

  it("an A2A skill removed while its offer is committed keeps its agent's other skills full", async () => {
    const { router, service, gates, auction } = await start(newDb(), [
      skill('poly', 'translate', 1),
      skill('poly', 'summarise', 1),
      plain('free'),
    ]);
    const commit = gate();
    const committing = gate();
    gates.commit = commit.promise;
    gates.committing = committing.open;
    const offered = auction(['poly:translate'], true);
    await committing.promise;
    router.registry.unregister('poly:translate');
    expect(router.refusalOf('free', 10, {})).toBeNull(); // the router takes the roster change now
    commit.open();
    expect((await offered).assignedAgent).toBe('poly:translate');
    delete gates.commit;
    expect(router.refusalOf('poly:summarise', 10, {})).toBe('are at capacity');
    expect(service.inFlightOf('poly:translate')).toBe(1);
  });
});

describe.each(ENGINES)('retries and the skills of one A2A agent ($name)', ({ newDb }) => {
  it.each(['reject', 'fail', 'timeout'] as const)(
    "after a %s the task goes to another skill of the agent it leaves, at the agent's limit",
    async (how) => {
      const { service, clock, auction } = await start(newDb(), [
        skill('poly', 'translate', 1),
        skill('poly', 'summarise', 1),
        plain('free'),
      ]);
      const first = await auction(['poly:translate', 'poly:summarise'], true);
      const [holder, sibling] = first.candidates as [string, string];
      expect(first).toMatchObject({ status: 'offered', assignedAgent: holder });
      let next: Task;
      if (how === 'reject') next = await service.reject(first.taskId, holder);
      else if (how === 'fail') {
        await service.accept(first.taskId, holder);
        next = await service.fail(first.taskId, holder, 5);
      } else {
        clock.advance(5_000);
        await service.runDue();
        next = await service.get(first.taskId);
      }
      expect(next).toMatchObject({ status: 'offered', assignedAgent: sibling });
      expect([service.inFlightOf(holder), service.inFlightOf(sibling)]).toEqual([0, 1]);
    },
  );
});

const AGENTS = ['poly:translate', 'poly:summarise', 'solo', 'free'] as const;
const groupOf = (agentId: string) => (agentId.startsWith('poly:') ? 'poly' : agentId);

type Op =
  | { kind: 'auction'; bidders: readonly number[]; deadlineInMs: number | null }
  | { kind: 'due'; ms: number }
  | { kind: 'sync' }
  | { kind: 'act'; task: number; action: 'accept' | 'reject' | 'complete' | 'fail' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('auction' as const),
      bidders: fc.subarray([0, 1, 2, 3], { minLength: 1 }),
      deadlineInMs: fc.option(fc.constantFrom(500, 2_000, 7_000)),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('due' as const), ms: fc.constantFrom(0, 1_000, 6_000) }),
    weight: 1,
  },
  { arbitrary: fc.constant<Op>({ kind: 'sync' }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('act' as const),
      task: fc.nat(7),
      action: fc.constantFrom('accept' as const, 'reject' as const, 'complete' as const, 'fail' as const),
    }),
    weight: 4,
  },
);
const roster = fc.option(
  fc.oneof(
    fc.record({ agent: fc.constantFrom('solo', 'poly:translate'), limit: fc.integer({ min: 1, max: 2 }) }),
    fc.record({ agent: fc.constantFrom('solo', 'poly:translate'), remove: fc.constant(true as const) }),
    fc.record({ agent: fc.constantFrom('solo', 'poly:summarise'), offline: fc.boolean() }),
  ),
  { freq: 3 },
);
/** What a request racing another for the same task may be told. */
const RACE_REFUSALS = new Set([
  'wrong_state',
  'not_eligible',
  'duplicate_bid',
  'forbidden',
  'unknown_agent',
  'unknown_task',
  'store_unavailable',
]);

describe.each(ENGINES)('max_concurrency under random concurrent traffic ($name)', ({ newDb, runs }) => {
  it('no agent is offered a task beyond its limit, and its load is what the store holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 2 }),
        fc.array(
          fc.record({ roster, flaky: fc.boolean(), ops: fc.array(op, { minLength: 1, maxLength: 6 }) }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        async (polyLimit, soloLimit, batches) => {
          const { router, service, clock, gates, auction, stored } = await start(newDb(), [
            skill('poly', 'translate', polyLimit),
            skill('poly', 'summarise', polyLimit),
            plain('solo', soloLimit),
            plain('free'),
          ]);
          const limits = new Map([
            ['poly', polyLimit],
            ['solo', soloLimit],
          ]);
          const ids: string[] = [];
          const run = async (o: Op): Promise<void> => {
            if (o.kind === 'auction') {
              const bidders = o.bidders.map((i) => AGENTS[i] as string);
              ids.push((await auction(bidders, false, o.deadlineInMs ?? undefined)).taskId);
            } else if (o.kind === 'sync') await service.syncFromStore();
            else if (o.kind === 'due') {
              clock.advance(o.ms);
              await service.runDue();
            } else {
              const live = (await Promise.all(ids.map((id) => service.get(id)))).filter(
                (t) => t.status === 'offered' || t.status === 'accepted',
              );
              const task = live[o.task % Math.max(1, live.length)];
              if (task === undefined) return;
              const agent = task.assignedAgent as string;
              if (o.action === 'accept') await service.accept(task.taskId, agent);
              else if (o.action === 'reject') await service.reject(task.taskId, agent);
              else if (o.action === 'complete') await service.complete(task.taskId, agent, 5);
              else await service.fail(task.taskId, agent, 5);
            }
          };
          let before = new Map<string, number>();
          for (const batch of batches) {
            const change = batch.roster;
            if (change !== null && 'limit' in change) {
              const group = groupOf(change.agent);
              limits.set(group, change.limit);
              const make = (id: string) =>
                id.startsWith('poly:') ? skill('poly', id.slice(5), change.limit) : plain(id, change.limit);
              for (const id of AGENTS)
                if (groupOf(id) === group && (router.registry.has(id) || id === change.agent))
                  router.registerAgent(make(id));
            } else if (change !== null && 'remove' in change) router.registry.unregister(change.agent);
            else if (change !== null) router.setAgentOnline(change.agent, !change.offline);
            let commits = 0;
            gates.fails = batch.flaky ? () => commits++ % 3 === 1 : undefined;
            for (const result of await Promise.allSettled(batch.ops.map(run))) {
              if (result.status === 'fulfilled') continue;
              const error = result.reason;
              if (!(error instanceof RouterError && RACE_REFUSALS.has(error.code))) throw error;
            }
            // A sweep that failed does not wait for the due tasks it left in flight: let them land.
            gates.fails = undefined;
            await service.runDue();
            const held = await stored(ids);
            const byGroup = new Map<string, number>();
            for (const [agentId, n] of held)
              byGroup.set(groupOf(agentId), (byGroup.get(groupOf(agentId)) ?? 0) + n);
            // A limit lowered below what the agent holds is not broken by the change, only by new offers.
            for (const [group, limit] of limits)
              expect(byGroup.get(group) ?? 0).toBeLessThanOrEqual(Math.max(limit, before.get(group) ?? 0));
            before = byGroup;
            for (const agentId of AGENTS) expect(service.inFlightOf(agentId)).toBe(held.get(agentId) ?? 0);
          }
          // Each run's service is stopped here, not after the whole property.
          const { router: r, service: s } = open.pop() as { router: Router; service: TaskService };
          await s.stop();
          await r.close();
        },
      ),
      { numRuns: runs },
    );
  }, 300_000);
});
