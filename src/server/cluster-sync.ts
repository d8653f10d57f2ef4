import type { AgentDirectory } from '../agents/agent-directory.js';
import type { EventBus } from '../events/event-bus.js';
import type { TaskService } from '../router/task-service.js';
import type { Store } from '../store/store.js';

export interface ClusterSyncOptions {
  readonly store: Store;
  readonly directory: AgentDirectory;
  readonly tasks: TaskService;
  readonly bus: EventBus;
  /** Agents (registrations, heartbeats) are re-read this often, ms. Default 1000. */
  readonly agentsEveryMs?: number;
  /**
   * At most one catch-up per this many ms however often commits are announced: at a thousand tasks a
   * second every commit would otherwise cost each instance a handful of reads (one of them counts
   * the tasks in hand, which grows with the tasks). Default 250.
   */
  readonly minGapMs?: number;
}

/**
 * Keeps this instance in step with the others on a shared store (Store.watchCommits): when any
 * instance commits, this one reads the loads, open auctions and outcomes again, sets its timer for
 * the next due task, and wakes its SSE streams, which read the new events themselves; registered
 * agents and their heartbeats are re-read every second. Resolves to the function that stops it.
 * Nothing here is needed for correctness of the auctions themselves — the store decides those —
 * only for scoring on current loads, learning from every outcome, and live dashboards.
 */
export async function startClusterSync(options: ClusterSyncOptions): Promise<() => Promise<void>> {
  const { store, directory, tasks, bus } = options;
  const watch = store.watchCommits?.bind(store);
  if (watch === undefined) return async () => undefined;
  const minGapMs = options.minGapMs ?? 250;
  let stopped = false;
  let running: Promise<void> | undefined;
  let pending = false;
  let agentsDue = true;
  let lastRunMs = 0;
  let delay: NodeJS.Timeout | undefined;

  const catchUp = async (): Promise<void> => {
    if (agentsDue) {
      agentsDue = false;
      await directory.sync();
    }
    await tasks.syncFromStore();
    bus.wake();
  };
  const request = (): void => {
    if (stopped) return;
    if (running !== undefined || delay !== undefined) {
      pending = true;
      return;
    }
    const wait = lastRunMs + minGapMs - Date.now();
    if (wait > 0) {
      delay = setTimeout(() => {
        delay = undefined;
        request();
      }, wait);
      delay.unref();
      return;
    }
    pending = false;
    lastRunMs = Date.now();
    running = catchUp()
      .catch(() => undefined) // the store is unreachable for now: the next announcement or tick retries
      .finally(() => {
        running = undefined;
        if (pending) request();
      });
  };

  const stopWatching = await watch(request);
  const agentsTick = setInterval(() => {
    agentsDue = true;
    request();
  }, options.agentsEveryMs ?? 1000);
  agentsTick.unref();
  request();
  return async () => {
    stopped = true;
    clearInterval(agentsTick);
    clearTimeout(delay);
    await stopWatching();
    await running;
  };
}
