import { RouterError } from '../kernel/errors.js';
import type { RouteConstraints } from '../policy/filters.js';
import type { LifecycleSettings } from '../tasks/task.js';

/** What the task lifecycle's commands take, and how it is configured (TaskService). */

export interface TaskServiceSettings extends LifecycleSettings {
  /** Bidding window of a task posted without one, ms (the seed's auction: 15 s). */
  readonly defaultBiddingWindowMs: number;
  /** The longest bidding window a task may ask for, ms. */
  readonly maxBiddingWindowMs: number;
  /** How often the service looks for due tasks when it knows of none sooner, ms. */
  readonly idlePollMs: number;
}

export const DEFAULT_TASK_SETTINGS: TaskServiceSettings = Object.freeze({
  defaultBiddingWindowMs: 15_000,
  maxBiddingWindowMs: 24 * 3_600_000,
  reservationMs: 30_000,
  maxAttempts: 3,
  idlePollMs: 1_000,
});

export interface PostTaskInput extends RouteConstraints {
  readonly taskId?: string;
  readonly description: string;
  readonly biddingWindowMs?: number;
  readonly deadlineMs?: number;
}

export function invalid(field: string, message: string): RouterError {
  return new RouterError('invalid_request', `${field} ${message}`, { details: { field } });
}

export function checkedSettings(settings: TaskServiceSettings): TaskServiceSettings {
  for (const [name, value] of Object.entries(settings)) {
    if (!(Number.isSafeInteger(value) && value >= 1)) {
      throw new TypeError(`expected ${name} to be an integer ≥ 1, got ${value} (${typeof value})`);
    }
  }
  return Object.freeze({ ...settings });
}
