import type { EventBus } from '../events/event-bus.js';
import type { Store } from '../store/store.js';
import type { AgentDirectory } from './agent-directory.js';
import type { TaskService } from './task-service.js';

export interface ClusterSyncOptions {
  readonly store: Store;
  readonly directory: AgentDirectory;
  readonly tasks: TaskService;
  readonly bus: EventBus;
  /**
   * All agents (manifests, tokens, heartbeats) are re-read this often, ms: what makes another
   * instance's heartbeats count here, and the safety net for a change announced while the listening
   * connection was down. Each change of an agent is also announced on its own and read at once
   * (AgentDirectory.refresh). Default 1000.
   */
  readonly agentsEveryMs?: number;
  /**
   * At most one catch-up (loads, open auctions, outcomes, the next timer) per this many ms however
   * often commits are announced: each is a handful of reads, one of which counts the tasks in hand,
   * which grows with the tasks; with three instances at 250 ms they were an eighth of the database's
   * work (bench:scale). Each instance's own changes count at once; the others' within this. Default 1000.
   */
  readonly minGapMs?: number;
  /**
   * SSE streams are woken (they read the new events themselves) at most this often, apart from the
   * catch-ups: what another instance decided reaches this one's dashboards this much later at most.
   * Default 100.
   */
  readonly wakeGapMs?: number;
}

/**
 * Keeps this instance in step with the others on a shared store (SharedStore.watchCommits): when another
 * instance commits, this one wakes its SSE streams, which read the new events themselves, and (at
 * most every minGapMs) reads the loads, open auctions and outcomes again and sets its timer for the
 * next due task; an agent another instance registered, changed or removed is read again as soon as
 * that is announced, and all agents with their heartbeats every second. Resolves to the function
 * that stops it. Nothing here is needed for correctness of the auctions themselves — the store
 * decides those — only for scoring on current loads, learning from every outcome, live dashboards,
 * and for dropping at once what another instance removed (AgentDirectory says what is read through).
 */
export async function startClusterSync(options: ClusterSyncOptions): Promise<() => Promise<void>> {
  const { store, directory, tasks, bus } = options;
  const shared = store.shared;
  const watch = shared?.watchCommits.bind(shared);
  if (watch === undefined) return async () => undefined;
  const minGapMs = options.minGapMs ?? 1000;
  const wakeGapMs = options.wakeGapMs ?? 100;
  let lastWakeMs = 0;
  let wakeTimer: NodeJS.Timeout | undefined;
  const wakeSoon = (): void => {
    if (stopped || wakeTimer !== undefined) return;
    const wait = Math.max(0, lastWakeMs + wakeGapMs - Date.now());
    wakeTimer = setTimeout(() => {
      wakeTimer = undefined;
      lastWakeMs = Date.now();
      bus.wake();
    }, wait);
    wakeTimer.unref();
  };
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

  const stopWatching = await watch(
    () => {
      wakeSoon();
      request();
    },
    // A failed read leaves the copy as it was: the full re-read of the agents catches up.
    (agentId) => void directory.refresh(agentId).catch(() => undefined),
  );
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
    clearTimeout(wakeTimer);
    await stopWatching();
    await running;
  };
}
