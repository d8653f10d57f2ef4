import type { NewTaskEvent } from '../events/task-event.js';
import { newTaskId } from '../kernel/ids.js';
import type { RouteConstraints } from '../policy/filters.js';
import type { Router } from '../router/router.js';
import { type MayOffer, newTask, type Task } from '../tasks/task.js';
import type { AgentLoads } from './agent-loads.js';
import { invalid, type PostTaskInput, type TaskServiceSettings } from './task-types.js';

/**
 * A task as `POST /v1/tasks` asks for it, checked (its window, deadline and text), with the event
 * that says it was posted: what TaskService.post commits before its auction opens.
 */
export function postedTask(
  input: PostTaskInput,
  nowMs: number,
  settings: TaskServiceSettings,
): { task: Task; constraints: RouteConstraints; posted: NewTaskEvent } {
  const window = input.biddingWindowMs ?? settings.defaultBiddingWindowMs;
  if (!Number.isSafeInteger(window) || window < 1 || window > settings.maxBiddingWindowMs) {
    throw invalid(
      'bidding_window_ms',
      `must be an integer from 1 to ${settings.maxBiddingWindowMs}, got ${String(window)}`,
    );
  }
  if (input.deadlineMs !== undefined && !(input.deadlineMs > nowMs)) {
    throw invalid('deadline', `must be in the future, got ${new Date(input.deadlineMs).toISOString()}`);
  }
  if (typeof input.description !== 'string' || input.description.trim() === '') {
    throw invalid('description', 'must be a non-empty string');
  }
  const constraints: RouteConstraints = {
    ...(input.requiredCapabilities === undefined ? {} : { requiredCapabilities: input.requiredCapabilities }),
    ...(input.maxBidSats === undefined ? {} : { maxBidSats: input.maxBidSats }),
    ...(input.excludedAgents === undefined ? {} : { excludedAgents: input.excludedAgents }),
  };
  const task = newTask(
    {
      taskId: input.taskId ?? newTaskId(nowMs),
      description: input.description,
      constraints,
      biddingWindowMs: window,
      deadlineMs: input.deadlineMs ?? null,
    },
    nowMs,
  );
  const posted: NewTaskEvent = {
    kind: 'task:posted',
    taskId: task.taskId,
    agentId: null,
    atMs: nowMs,
    data: {
      description: task.description,
      closesMs: task.closesMs,
      deadlineMs: task.deadlineMs,
      maxBidSats: constraints.maxBidSats ?? null,
      requiredCapabilities: constraints.requiredCapabilities?.join(',') ?? null,
    },
  };
  return { task, constraints, posted };
}

/**
 * Whether every registered agent that could take part in the auction now has bid (true when none
 * could). Stops at the first eligible agent without a bid, so a bid on a large roster does not
 * check the whole roster while most agents have yet to bid.
 */
export function everyEligibleHasBid(task: Task, router: Router): boolean {
  const bidders = new Set(task.bids.map((b) => b.agentId));
  // Iterated, not copied: this runs at every bid, and a copy of a 50,000-agent roster is not free.
  for (const manifest of router.registry.values()) {
    if (bidders.has(manifest.agentId)) continue;
    // Skills of A2A agents and MCP tools bid through the router, at posting, or not at all.
    if (manifest.a2a !== undefined || manifest.mcp !== undefined) continue;
    if (router.refusalOf(manifest.agentId, 0, task.constraints) === null) return false;
  }
  return true;
}

/**
 * The candidates a retry may offer the task to: those the policy would let bid on it now, at the bid
 * they made (one gone offline, removed from the roster or at its `max_concurrency` is passed over),
 * the task itself not counted against the agent it is leaving (AgentLoads.setAside).
 */
export function offerableNow(task: Task, router: Router, loads: AgentLoads): MayOffer {
  return (agentId) => {
    const bid = task.bids.find((b) => b.agentId === agentId);
    return loads.setAside(
      task,
      () => router.refusalOf(agentId, bid?.bidSats ?? 0, task.constraints) === null,
    );
  };
}
