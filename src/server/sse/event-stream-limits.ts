/**
 * What one GET /v1/events stream may cost the service, and how many may be open. Every field has a
 * default; `ServiceOptions.eventStreams` overrides any of them.
 */
export interface EventStreamLimits {
  /**
   * Streams one client may hold open at once: per token when the service has an admin token, else per
   * remote address. Over it: 429 `rate_limited` with Retry-After. Default 16 (the demo's six agents
   * and a few dashboards share 127.0.0.1).
   */
  readonly maxStreamsPerClient: number;
  /** Streams open at once in all; over it: 429 `rate_limited` with Retry-After. Default 1000. */
  readonly maxStreams: number;
  /**
   * A stream whose socket buffer stays full this long (the client reads nothing) is closed, ms; the
   * client resumes with Last-Event-ID. Default 60000.
   */
  readonly stalledTimeoutMs: number;
  /** Events read from the store in one page, at most. Default 256. */
  readonly pageEvents: number;
  /**
   * Bytes of SSE text in one page, about: the number of events read is sized from the largest event
   * of the page before. Default 65536 (about a millisecond of reading and formatting).
   */
  readonly pageBytes: number;
  /** Pages read by all streams together in one turn of the event loop. Default 2 (a few ms). */
  readonly pagesPerTurn: number;
}

export const DEFAULT_EVENT_STREAM_LIMITS: EventStreamLimits = Object.freeze({
  maxStreamsPerClient: 16,
  maxStreams: 1000,
  stalledTimeoutMs: 60_000,
  pageEvents: 256,
  pageBytes: 64 * 1024,
  pagesPerTurn: 2,
});

/** The defaults with `overrides` applied, checked: each must be a whole number ≥ 1. */
export function eventStreamLimits(overrides: Partial<EventStreamLimits> = {}): EventStreamLimits {
  const limits = { ...DEFAULT_EVENT_STREAM_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(
        `eventStreams.${name}: expected a whole number ≥ 1, got ${String(value)} (${typeof value})`,
      );
    }
  }
  return Object.freeze(limits);
}
