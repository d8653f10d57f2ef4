import type { TaskEvent, TaskEventKind } from '../events/task-event.js';
import type { EventStore } from '../store/store.js';

/**
 * The task events as the edges read them: SSE streams replay them in commit order from a client's
 * last id, and an agent's statistics count them by kind. The edges read events only through this,
 * never from the store.
 */
export class EventLog {
  readonly #store: EventStore;

  constructor(store: EventStore) {
    this.#store = store;
  }

  /** Events after `eventId`, in commit order, at most `limit`. */
  after(eventId: number, limit: number): Promise<readonly TaskEvent[]> {
    return this.#store.eventsAfter(eventId, limit);
  }

  /** The id of the newest event, 0 when there is none: where a stream without a last id begins. */
  lastId(): Promise<number> {
    return this.#store.lastEventId();
  }

  /** How many events of each kind name this agent (its bids, offers, accepts, …). */
  countsOf(agentId: string): Promise<ReadonlyMap<TaskEventKind, number>> {
    return this.#store.agentEventCounts(agentId);
  }
}
