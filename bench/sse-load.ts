/**
 * The SSE part of an attack on the service, for bench/sse-replay.ts and the abuse benchmark: clients
 * that replay the event log from zero as fast as they can read, and clients that open a replay from
 * zero and never read a byte. Each client has its own connection (no pooling), as attackers would.
 *
 *   const attack = startSseAttack({ baseUrl, lastEventId, replayClients: 5, stalledClients: 100 });
 *   … measure the service …
 *   const report = await attack.stop();
 */
import * as http from 'node:http';
import { createStore } from '../src/store/create-store.js';
import { seedTaskEvents } from '../test/helpers/seed-events.js';

export interface SseAttackOptions {
  /** The service, e.g. `http://127.0.0.1:7070`. */
  readonly baseUrl: string;
  /** The id of the newest stored event: a replay is done when it has it. */
  readonly lastEventId: number;
  /** Clients that replay from zero, reading as fast as they can. */
  readonly replayClients: number;
  /** Clients that open a replay from zero and never read. */
  readonly stalledClients: number;
  /** Bearer tokens, given to the clients in turn (a service with an admin token needs one). */
  readonly tokens?: readonly string[];
}

export interface SseReplayResult {
  /** 200, or the status it was refused with (429 over the caps). 0: the connection failed. */
  readonly status: number;
  readonly bytes: number;
  /** From the request to the last event; null when it did not get there before stop(). */
  readonly ms: number | null;
}

export interface SseAttackReport {
  readonly replays: readonly SseReplayResult[];
  /** How many stalled clients the service let in (200), how many it refused (429), failed (other). */
  readonly stalled: { readonly admitted: number; readonly refused: number; readonly failed: number };
}

export interface SseAttack {
  /** Resolves when every replay client has the last event, or was refused. */
  readonly replaysDone: Promise<readonly SseReplayResult[]>;
  /** Closes every connection and reports. */
  stop(): Promise<SseAttackReport>;
}

export function startSseAttack(options: SseAttackOptions): SseAttack {
  const url = new URL(options.baseUrl);
  const requests: http.ClientRequest[] = [];
  const tokens = options.tokens ?? [];
  let nth = 0;
  const open = (onResponse: (response: http.IncomingMessage) => void, onError: () => void): void => {
    const token = tokens.length === 0 ? undefined : tokens[nth++ % tokens.length];
    const request = http.get(
      {
        host: url.hostname,
        port: url.port,
        path: '/v1/events?last_event_id=0',
        agent: false,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      },
      onResponse,
    );
    request.on('error', onError);
    requests.push(request);
  };

  // The last event's id line; a replay is done when it has passed by (it may straddle two chunks).
  const needle = `\nid: ${options.lastEventId}\n`;
  const replays: Promise<SseReplayResult>[] = [];
  const replayProgress: { bytes: number; ms: number | null; status: number }[] = [];
  for (let i = 0; i < options.replayClients; i++) {
    const progress = { bytes: 0, ms: null as number | null, status: 0 };
    replayProgress.push(progress);
    const started = performance.now();
    replays.push(
      new Promise((resolve) => {
        open(
          (response) => {
            progress.status = response.statusCode ?? 0;
            if (progress.status !== 200) {
              response.resume();
              resolve({ ...progress });
              return;
            }
            let tail = '';
            response.setEncoding('latin1'); // bytes as they are: the id lines are ASCII
            response.on('data', (chunk: string) => {
              progress.bytes += chunk.length;
              const text = tail + chunk;
              if (progress.ms === null && text.includes(needle)) {
                progress.ms = performance.now() - started;
                resolve({ ...progress });
              }
              tail = text.slice(-needle.length);
            });
            response.on('error', () => {});
            response.on('close', () => resolve({ ...progress }));
          },
          () => resolve({ ...progress }),
        );
      }),
    );
  }

  const stalled = { admitted: 0, refused: 0, failed: 0 };
  for (let i = 0; i < options.stalledClients; i++) {
    open(
      (response) => {
        if (response.statusCode === 200) {
          stalled.admitted++;
          response.pause(); // never read: the socket's buffers fill and stay full
          response.on('error', () => {});
        } else {
          if (response.statusCode === 429) stalled.refused++;
          else stalled.failed++;
          response.resume();
        }
      },
      () => stalled.failed++,
    );
  }

  return {
    replaysDone: Promise.all(replays),
    async stop() {
      for (const request of requests) request.destroy();
      return {
        replays: replayProgress.map((p) => ({ status: p.status, bytes: p.bytes, ms: p.ms })),
        stalled: { ...stalled },
      };
    },
  };
}

/**
 * Writes `count` task events into the log at `location` (a SQLite path or a PostgreSQL URL) before
 * a service opens it; resolves to the id of the last one. About 365 bytes an event on the wire
 * with the default description length: 250,000 of them are a 90 MB replay.
 */
export async function seedEventLog(
  location: string,
  count: number,
  descriptionLength = 120,
): Promise<number> {
  const store = createStore({ location });
  try {
    return await seedTaskEvents(store, { count, descriptionLength });
  } finally {
    await store.close();
  }
}
