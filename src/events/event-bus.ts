import { EventEmitter } from 'node:events';
import type { TaskEvent } from './task-event.js';

type Listener = (events: readonly TaskEvent[]) => void;

/**
 * Tells subscribers that events were committed. Delivery is in-process and best effort: a listener
 * that needs every event in order (an SSE stream) treats a notification as "read the store from
 * where you are", because commits that finish close together may notify out of order.
 */
export class EventBus {
  readonly #emitter = new EventEmitter();

  constructor() {
    // One listener per SSE connection: many are expected, none is a leak.
    this.#emitter.setMaxListeners(0);
  }

  committed(events: readonly TaskEvent[]): void {
    if (events.length > 0) this.#emitter.emit('committed', events);
  }

  /**
   * Another instance committed events (or may have): listeners that read the store catch up; nothing
   * is delivered, since this instance has not read them.
   */
  wake(): void {
    this.#emitter.emit('committed', []);
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.#emitter.on('committed', listener);
    return () => this.#emitter.off('committed', listener);
  }
}
