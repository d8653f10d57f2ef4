import type { FastifyInstance, InjectOptions } from 'fastify';
import { createRouter } from '../../src/router/create-router.js';
import type { Router } from '../../src/router/router.js';
import { openService } from '../../src/server/open-service.js';
import type { TaskService } from '../../src/service/task-service.js';
import { createStore } from '../../src/store/create-store.js';
import type { SharedStore, Store } from '../../src/store/store.js';
import { FakeClock } from '../helpers/fake-clock.js';

export interface Service {
  readonly app: FastifyInstance;
  readonly router: Router;
  readonly clock: FakeClock;
  readonly tasks: TaskService;
  /** Injects a request; `token` becomes `Authorization: Bearer <token>`. */
  call(
    options: InjectOptions & { token?: string },
    // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field
  ): Promise<{ status: number; json: () => any; body: string }>;
  close(): Promise<void>;
}

export const OFFLINE_AFTER_MS = 30_000;

/** An admin token as `serve` accepts one: 32 characters or more (config/admin-token.ts). */
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789abcdef';

/**
 * A service as `serve` builds it — a router on a real SQLite log, the agent directory, Fastify —
 * driven with injected requests and a fake clock. `roster` personas are the service's roster file.
 */
export async function startService(options: {
  db: string;
  adminToken?: string;
  roster?: readonly string[];
  clock?: FakeClock;
  /** Full re-reads of the agents from a shared store this often (default: cluster-sync's, 1 s). */
  agentsEveryMs?: number;
  /**
   * A shared store whose announcements never reach this instance (as when they are late, or lost
   * with the listening connection): only what it reads itself can tell it of other instances' changes.
   */
  hearsNoAnnouncements?: boolean;
}): Promise<Service> {
  const clock = options.clock ?? new FakeClock();
  const opened = createStore({ location: options.db });
  const store = options.hearsNoAnnouncements === true ? deafToAnnouncements(opened) : opened;
  const router = createRouter({ store, clock });
  for (const persona of options.roster ?? ['echo', 'forge', 'quill']) router.registerPersona(persona);
  await router.restoreLearning();
  const service = await openService({
    router,
    store,
    clock,
    offlineAfterMs: OFFLINE_AFTER_MS,
    runTimers: false,
    taskSettings: { reservationMs: 5_000, maxAttempts: 2 },
    ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
    ...(options.agentsEveryMs === undefined ? {} : { clusterSync: { agentsEveryMs: options.agentsEveryMs } }),
  });
  const { app } = service;
  return {
    app,
    router,
    clock,
    tasks: service.tasks,
    async call({ token, ...request }) {
      const response = await app.inject({
        ...request,
        headers: {
          // As a client of the API does: state-changing requests say JSON, with a body or without.
          ...(request.method === 'GET' || request.method === 'HEAD'
            ? {}
            : { 'content-type': 'application/json' }),
          ...request.headers,
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
      });
      return { status: response.statusCode, json: () => response.json(), body: response.body };
    },
    async close() {
      await service.close();
      await router.close();
    },
  };
}

/** The store, still shared by several instances, but whose watchCommits never calls back. */
function deafToAnnouncements(store: Store): Store {
  const shared = store.shared;
  if (shared === undefined) throw new TypeError('hearsNoAnnouncements needs a store shared by instances');
  const deaf: SharedStore = {
    get contention() {
      return shared.contention;
    },
    get holdsSweepLease() {
      return shared.holdsSweepLease;
    },
    watchCommits: async () => async () => undefined,
    sealPending: () => shared.sealPending(),
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'shared') return deaf;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export const manifestBody = (agentId: string, fields: Record<string, unknown> = {}) => ({
  agent_id: agentId,
  agent_name: agentId,
  capabilities: ['security'],
  keywords: ['firewall', 'audit'],
  rate_sats: 40,
  ...fields,
});
