import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus } from '../events/event-bus.js';
import type { Decision } from '../policy/decision.js';
import type { AgentDirectory } from '../service/agent-directory.js';
import type { TaskService } from '../service/task-service.js';
import type { BatchCounts, Store, StoreContention } from '../store/store.js';

/**
 * The service's Prometheus metrics, on a registry of its own (not prom-client's global one), so two
 * services in one process — tests — keep separate counts.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #decisions: Counter;
  readonly #bids: Counter;
  readonly #routingSeconds: Histogram;

  constructor(directory: AgentDirectory, tasks: TaskService, bus: EventBus, store?: Store) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'swarm_router_' });
    // A store shared by several instances says how often their writes met (PostgreSQL).
    const shared = store?.shared;
    if (shared !== undefined) {
      const counts: [Exclude<keyof StoreContention, 'batched'>, string, string][] = [
        ['transactions', 'swarm_router_store_transactions_total', 'Write transactions of this instance.'],
        [
          'lockWaits',
          'swarm_router_store_lock_waits_total',
          'Write transactions that waited for a lock another held.',
        ],
        [
          'waitedWrites',
          'swarm_router_store_waited_writes_total',
          'Writes (posts, bids, decisions) held up by those waits: every item of a batch that waited.',
        ],
        [
          'versionConflicts',
          'swarm_router_store_version_conflicts_total',
          'Task commits refused because another writer changed the task first (retried).',
        ],
      ];
      for (const [field, name, help] of counts) {
        new Counter({
          name,
          help,
          registers,
          collect() {
            this.reset();
            this.inc(shared.contention[field]);
          },
        });
      }
      const batched = (field: keyof BatchCounts, name: string, help: string) =>
        new Counter({
          name,
          help,
          labelNames: ['kind'],
          registers,
          collect() {
            this.reset();
            for (const [kind, counts] of Object.entries(shared.contention.batched ?? {}))
              this.inc({ kind }, counts[field]);
          },
        });
      batched('batches', 'swarm_router_store_batches_total', 'Batches of writes stored, by kind of write.');
      batched(
        'items',
        'swarm_router_store_batched_writes_total',
        'Writes stored in batches, by kind (divided by the batches: the batch size).',
      );
    }
    this.#decisions = new Counter({
      name: 'swarm_router_decisions_total',
      help: 'Decisions logged, by outcome (selected or none).',
      labelNames: ['outcome'],
      registers,
    });
    this.#bids = new Counter({ name: 'swarm_router_bids_total', help: 'Bids received.', registers });
    this.#routingSeconds = new Histogram({
      name: 'swarm_router_routing_seconds',
      help: 'Time to score, decide and log one routed task.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
      registers,
    });
    new Gauge({
      name: 'swarm_router_auctions_open',
      help: 'Tasks whose auction is open (bidding).',
      registers,
      collect() {
        this.set(tasks.openAuctions);
      },
    });
    const lifecycle = new Counter({
      name: 'swarm_router_task_events_total',
      help: 'Task lifecycle events, by kind (task:posted, task:assigned, task:completed, …).',
      labelNames: ['kind'],
      registers,
    });
    const auctionLag = new Histogram({
      name: 'swarm_router_auction_close_lag_seconds',
      help: 'From the end of a bidding window to its decision being logged (auctions that ran their whole window).',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    bus.subscribe((events) => {
      for (const event of events) {
        lifecycle.inc({ kind: event.kind });
        if (event.kind === 'task:decided') {
          this.#decisions.inc({ outcome: event.data.selectedAgent === null ? 'none' : 'selected' });
          const closesMs = event.data.closesMs;
          if (typeof closesMs === 'number' && event.atMs >= closesMs)
            auctionLag.observe((event.atMs - closesMs) / 1000);
        }
      }
    });
    if (shared !== undefined) {
      new Gauge({
        name: 'swarm_router_sweep_lease_held',
        help: 'Whether this instance holds the sweep lease (1): it decides due tasks at their time; the others take them once overdue.',
        registers,
        collect() {
          this.set(shared.holdsSweepLease ? 1 : 0);
        },
      });
    }
    new Gauge({
      name: 'swarm_router_agents',
      help: 'Registered agents, by status.',
      labelNames: ['status'],
      registers,
      collect() {
        // Counted, not listed: a scrape built an entry per agent (50,000 of them, tens of ms).
        const counts = directory.statusCounts();
        this.set({ status: 'online' }, counts.online);
        this.set({ status: 'offline' }, counts.offline);
      },
    });
  }

  /** Counts a bid received through an auction. */
  bidReceived(): void {
    this.#bids.inc();
  }

  /** Counts a logged decision and its bids, and the time it took from request to logged. */
  decided(decision: Decision, seconds: number): void {
    this.#decisions.inc({ outcome: decision.selectedAgent === null ? 'none' : 'selected' });
    this.#bids.inc(decision.bidders.length);
    this.#routingSeconds.observe(seconds);
  }
}
