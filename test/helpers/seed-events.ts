import type { NewTaskEvent } from '../../src/events/task-event.js';
import type { Store } from '../../src/store/store.js';
import { newTask } from '../../src/tasks/task.js';

/** Events stored per task (and per transaction) by seedTaskEvents. */
const EVENTS_PER_TASK = 1000;

/**
 * Fills a store with `count` task events quickly: one open task per thousand events, written with
 * its events in one transaction through the store's own createTask. Each event is a `task:posted`
 * whose description is `descriptionLength` characters, so that a test or benchmark can choose how many
 * bytes the stream of them weighs. The tasks' bidding windows stay open for a year: a service running
 * its timers leaves them alone. Resolves to the id of the last event stored.
 */
export async function seedTaskEvents(
  store: Store,
  options: { count: number; descriptionLength?: number; atMs?: number },
): Promise<number> {
  const atMs = options.atMs ?? Date.now();
  const description = 'replay '.repeat(Math.ceil((options.descriptionLength ?? 40) / 7));
  const text = description.slice(0, options.descriptionLength ?? 40);
  let lastEventId = 0;
  for (let first = 0; first < options.count; first += EVENTS_PER_TASK) {
    const taskId = `seed-${atMs}-${first}`;
    const task = newTask(
      { taskId, description: text, constraints: {}, biddingWindowMs: 365 * 86_400_000, deadlineMs: null },
      atMs,
    );
    const events: NewTaskEvent[] = [];
    for (let i = first; i < Math.min(options.count, first + EVENTS_PER_TASK); i++) {
      events.push({
        kind: 'task:posted',
        taskId,
        agentId: null,
        atMs,
        data: { description: text, seedIndex: i, closesMs: task.closesMs, deadlineMs: null },
      });
    }
    const stored = await store.createTask(task, events);
    lastEventId = stored.at(-1)?.eventId ?? lastEventId;
  }
  return lastEventId;
}
