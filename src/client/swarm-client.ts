import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * A small typed client of the swarm-router HTTP API (`swarm-router/client`), for agent processes and
 * tools. It speaks only HTTP: nothing of the router's core is imported, so an agent can depend on it
 * alone. Bodies are the API's own snake_case JSON.
 */

export interface TaskDto {
  readonly task_id: string;
  readonly description: string;
  readonly status: 'open' | 'offered' | 'accepted' | 'completed' | 'failed' | 'unassigned' | 'expired';
  readonly closes_at: string;
  readonly deadline: string | null;
  readonly required_capabilities: readonly string[];
  readonly max_bid_sats: number | null;
  readonly bids: readonly { readonly agent_id: string; readonly bid_sats: number }[];
  readonly decision_seq: number | null;
  readonly candidates: readonly string[];
  readonly assigned_agent: string | null;
  readonly reserved_until: string | null;
  readonly failures: number;
}

/** One Server-Sent Event of GET /v1/events. */
export interface SwarmEvent {
  readonly eventId: number;
  readonly kind: string;
  /** The event's JSON: event_id, kind, task_id, agent_id, at, and the kind's own fields. */
  readonly data: { readonly task_id: string; readonly agent_id: string | null } & Record<string, unknown>;
}

/** An error answer of the API: its HTTP status and `{"error": {"code", "message"}}`. */
export class SwarmApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = 'SwarmApiError';
    this.status = status;
    this.code = code;
  }
}

export interface SwarmClientOptions {
  /** The service, e.g. `http://127.0.0.1:7070`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …`: the admin token, or an agent's own. */
  readonly token?: string;
  /** Wait before reconnecting the event stream, ms. Default 1000. */
  readonly reconnectDelayMs?: number;
}

export interface EventStreamOptions {
  /** Resume after this event id (events after it are replayed); default: from now on. */
  readonly lastEventId?: number;
  readonly signal?: AbortSignal;
}

export class SwarmClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #reconnectDelayMs: number;

  constructor(options: SwarmClientOptions) {
    if (typeof options?.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
      throw new TypeError(`expected baseUrl to be an http(s) URL, got ${String(options?.baseUrl)}`);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#reconnectDelayMs = options.reconnectDelayMs ?? 1000;
  }

  /** Calls the API; resolves to the JSON answer, rejects with SwarmApiError for an error answer. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        // Every state-changing call says JSON, even without a body: the service refuses one that
        // does not and has no token (a cross-site form could send it).
        ...(method === 'GET' || method === 'HEAD' ? {} : { 'content-type': 'application/json' }),
        ...this.#authorization(),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw await apiError(response);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  async postTask(task: {
    readonly description: string;
    readonly required_capabilities?: readonly string[];
    readonly max_bid_sats?: number;
    readonly bidding_window_ms?: number;
    readonly deadline?: string;
  }): Promise<TaskDto> {
    return (await this.request<{ task: TaskDto }>('POST', '/v1/tasks', task)).task;
  }

  async getTask(taskId: string): Promise<{ task: TaskDto; decision: Record<string, unknown> | null }> {
    return this.request('GET', `/v1/tasks/${encodeURIComponent(taskId)}`);
  }

  /**
   * The service's events, as they happen, for as long as the caller iterates (or until `signal`
   * aborts). A dropped connection is reopened with the last event id seen, so nothing is missed or
   * repeated; a 429 (too many streams) or 503 is retried after its Retry-After; another error answer
   * (401, 403) ends the iteration with a SwarmApiError.
   */
  async *events(options: EventStreamOptions = {}): AsyncIterable<SwarmEvent> {
    let lastEventId = options.lastEventId;
    const signal = options.signal;
    // A function, not a narrowed expression: the signal can abort while the loop awaits.
    const aborted = (): boolean => signal?.aborted === true;
    while (!aborted()) {
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}/v1/events`, {
          headers: {
            accept: 'text/event-stream',
            ...this.#authorization(),
            ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }),
          },
          ...(signal === undefined ? {} : { signal }),
        });
      } catch {
        if (aborted()) return;
        await sleep(this.#reconnectDelayMs, signal);
        continue;
      }
      if (response.status === 429 || response.status === 503) {
        // Too many streams (or the service is stopping): wait as told, then resume.
        await response.body?.cancel();
        await sleep(retryAfterMs(response) ?? this.#reconnectDelayMs, signal);
        continue;
      }
      if (!response.ok) throw await apiError(response);
      const pending: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (message) => pending.push(message) });
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
          while (pending.length > 0) {
            const message = pending.shift() as EventSourceMessage;
            if (message.id === undefined || message.event === undefined) continue;
            lastEventId = Number(message.id);
            yield { eventId: lastEventId, kind: message.event, data: JSON.parse(message.data) };
          }
        }
      } catch {
        // The connection dropped (or the caller aborted): reconnect below, resuming from lastEventId.
      }
      if (aborted()) return;
      await sleep(this.#reconnectDelayMs, signal);
    }
  }

  #authorization(): Record<string, string> {
    return this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` };
  }
}

/** Retry-After in seconds (the service sends no dates), as ms; undefined when absent or unreadable. */
function retryAfterMs(response: Response): number | undefined {
  const seconds = Number(response.headers.get('retry-after') ?? Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 300) * 1000 : undefined;
}

async function apiError(response: Response): Promise<SwarmApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    return new SwarmApiError(response.status, body.error?.code ?? 'http_error', body.error?.message ?? text);
  } catch {
    return new SwarmApiError(response.status, 'http_error', text || response.statusText);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
