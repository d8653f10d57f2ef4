import type { ServerResponse } from 'node:http';
import type { TaskEvent } from '../../events/task-event.js';
import type { EventLog } from '../../service/event-log.js';
import { toEventDto } from '../../wire/task-dto.js';
import type { EventStreamLimits } from './event-stream-limits.js';
import type { PageScheduler } from './page-scheduler.js';

/** The answer's own headers. */
const EVENT_STREAM_HEADERS = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
});

/** Headers a reply had before it was hijacked (CORS, rate limits), as Fastify's getHeaders() gives them. */
export type HeadersBefore = Readonly<Record<string, string | number | readonly string[] | undefined>>;

/**
 * Writes the head of an event stream on a hijacked reply (GET, and HEAD which stops there): the
 * reply's earlier headers, which hijacking would drop, then the stream's own. No Content-Length.
 */
export function writeEventStreamHead(raw: ServerResponse, before: HeadersBefore = {}): void {
  for (const [name, value] of Object.entries(before)) {
    if (value !== undefined) raw.setHeader(name, value);
  }
  raw.writeHead(200, EVENT_STREAM_HEADERS);
}

/** A comment line this often keeps proxies and clients from timing the stream out. */
const KEEP_ALIVE_MS = 15_000;
/** Events in a stream's first page, before it knows how large its events are; pages then grow ×2 at most. */
const FIRST_PAGE_EVENTS = 16;

export interface EventStreamOptions {
  readonly events: Pick<EventLog, 'after'>;
  readonly scheduler: PageScheduler;
  readonly limits: Pick<EventStreamLimits, 'pageEvents' | 'pageBytes' | 'stalledTimeoutMs'>;
  /** The id of the last event the client has; the stream sends those after it. */
  readonly lastSent: number;
  /** Headers the reply had before it was hijacked (CORS, rate limits): sent with the stream's own. */
  readonly headers?: HeadersBefore;
}

/**
 * One client's GET /v1/events: the store's events after the client's last id, in pages, then each
 * new commit as the bus reports it. A notification only says "there is more": the stream always reads
 * the store from the last id it sent, which keeps it gap-free and ordered whichever commit notified
 * first.
 *
 * What a stream may cost: each page waits its turn (PageScheduler) and holds about `pageBytes`; when
 * the socket's buffer is full the stream reads nothing more until 'drain', so a client that does not
 * read holds one page and its socket's buffers, and holds back no one else. If it stays full for
 * `stalledTimeoutMs` the socket is destroyed; the client reconnects with Last-Event-ID and misses
 * nothing (a torn last event is dropped by its parser and sent again).
 */
export class EventStream {
  readonly #raw: ServerResponse;
  readonly #events: Pick<EventLog, 'after'>;
  readonly #scheduler: PageScheduler;
  readonly #limits: EventStreamOptions['limits'];
  readonly #keepAlive: NodeJS.Timeout;
  #lastSent: number;
  #pageEvents: number;
  #closed = false;
  #pumping = false;
  #again = false;
  /** Waiting for 'drain': the client is not reading. */
  #stalled = false;

  /** Writes the head of the answer on `raw` (the caller hijacked the reply); call wake() to start. */
  constructor(raw: ServerResponse, options: EventStreamOptions) {
    this.#raw = raw;
    this.#events = options.events;
    this.#scheduler = options.scheduler;
    this.#limits = options.limits;
    this.#lastSent = options.lastSent;
    this.#pageEvents = Math.min(FIRST_PAGE_EVENTS, options.limits.pageEvents);
    // Nothing can follow an event stream on its connection: when the stream ends (the service closes,
    // the store fails) the connection closes too, rather than idling until the client drops it.
    raw.shouldKeepAlive = false;
    writeEventStreamHead(raw, options.headers);
    raw.write('retry: 1000\n\n');
    // Nothing is added to a full buffer: a client that does not read does not need keeping alive.
    this.#keepAlive = setInterval(() => {
      if (!this.#stalled) raw.write(': keep-alive\n\n');
    }, KEEP_ALIVE_MS);
    raw.on('close', () => this.#stop());
  }

  /** There may be new events in the store: send them. Calls during a pass add one more pass. */
  wake(): void {
    void this.#pump();
  }

  /** Ends the stream (the service is closing); a stream whose client is not reading is cut. */
  end(): void {
    const stalled = this.#stalled;
    this.#stop();
    if (stalled) this.#raw.destroy();
    else this.#raw.end();
  }

  #stop(): void {
    this.#closed = true;
    clearInterval(this.#keepAlive);
  }

  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        while (!this.#closed) {
          await this.#scheduler.nextPage();
          if (this.#closed) return;
          const asked = this.#pageEvents;
          const events = await this.#events.after(this.#lastSent, asked);
          if (this.#closed || events.length === 0) break;
          const page = formatPage(events);
          this.#lastSent = page.lastEventId;
          this.#pageEvents = this.#nextPageEvents(events.length, page.largestEventBytes);
          if (!this.#raw.write(page.text) && !(await this.#drained())) return;
          if (events.length < asked) break;
        }
      } while (this.#again && !this.#closed);
    } catch {
      // The store is closing: end the stream; the client reconnects and resumes from its last id.
      this.end();
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * As many events as fit in pageBytes if they are like the largest of the page just sent, growing
   * at most ×2 a page: after a stretch of small events (or a live stream's one at a time), a run of
   * large ones is met with a small page first. The store reads by count, so this is an estimate: a
   * page is over pageBytes only when its events are larger than the ones before them.
   */
  #nextPageEvents(eventsRead: number, largestEventBytes: number): number {
    const { pageEvents, pageBytes } = this.#limits;
    const fitting = Math.floor(pageBytes / Math.max(1, largestEventBytes));
    const grown = Math.max(FIRST_PAGE_EVENTS, 2 * eventsRead);
    return Math.max(1, Math.min(pageEvents, fitting, grown));
  }

  /**
   * Resolves true on 'drain'; false when the socket closed, or stayed full for stalledTimeoutMs (the
   * socket is destroyed then).
   */
  #drained(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    this.#stalled = true;
    const raw = this.#raw;
    return new Promise((resolve) => {
      const settle = (drained: boolean): void => {
        this.#stalled = false;
        clearTimeout(timer);
        raw.off('drain', onDrain);
        raw.off('close', onClose);
        resolve(drained);
      };
      const onDrain = (): void => settle(true);
      const onClose = (): void => settle(false);
      const timer = setTimeout(() => {
        settle(false);
        raw.destroy();
      }, this.#limits.stalledTimeoutMs);
      raw.on('drain', onDrain);
      raw.on('close', onClose);
    });
  }
}

/** One page as SSE text, with the size of its largest event (UTF-8 bytes) to size the next page. */
function formatPage(events: readonly TaskEvent[]): {
  text: string;
  lastEventId: number;
  largestEventBytes: number;
} {
  let text = '';
  let largestEventBytes = 0;
  for (const event of events) {
    // Kinds and ids are ours (no newlines); data is one line of JSON.
    const entry = `id: ${event.eventId}\nevent: ${event.kind}\ndata: ${JSON.stringify(toEventDto(event))}\n\n`;
    largestEventBytes = Math.max(largestEventBytes, Buffer.byteLength(entry));
    text += entry;
  }
  return { text, lastEventId: (events.at(-1) as TaskEvent).eventId, largestEventBytes };
}
