import type { FastifyInstance } from 'fastify';
import { RouterError } from '../../kernel/errors.js';
import { toEventDto } from '../../wire/task-dto.js';
import type { ServiceContext } from '../service-context.js';

/** Events read from the store per query while catching up. */
const PAGE = 500;
/** A comment line this often keeps proxies and clients from timing the stream out. */
const KEEP_ALIVE_MS = 15_000;

/**
 * GET /v1/events: Server-Sent Events of the task lifecycle, each with its store id, so a client that
 * reconnects with Last-Event-ID (or ?last_event_id=) gets everything it missed, in order, then the
 * live stream. A notification from the bus only says "there is more": the stream always reads the
 * store from the last id it sent, which keeps it gap-free and ordered whichever commit notified first.
 */
export function eventRoutes(app: FastifyInstance, { store, bus, auth }: ServiceContext): void {
  // Open streams never go idle, so closing the server would wait for them forever: end them first.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });
  app.get(
    '/v1/events',
    { schema: { summary: 'Server-Sent Events (task:posted, bid:received, task:assigned, …), resumable.' } },
    async (request, reply) => {
      auth.requireReader(request);
      const header = request.headers['last-event-id'];
      const query = (request.query as { last_event_id?: string }).last_event_id;
      const resumeText = (Array.isArray(header) ? header[0] : header) ?? query;
      let lastSent: number;
      if (resumeText === undefined || resumeText === '') {
        lastSent = await store.lastEventId();
      } else if (/^[0-9]{1,15}$/.test(resumeText)) {
        lastSent = Number(resumeText);
      } else {
        throw new RouterError(
          'invalid_request',
          `Last-Event-ID must be an event id (got ${JSON.stringify(resumeText)})`,
          {
            details: { field: 'last_event_id' },
          },
        );
      }

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 1000\n\n');

      let closed = false;
      let pumping = false;
      let again = false;
      const pump = async (): Promise<void> => {
        if (pumping) {
          again = true;
          return;
        }
        pumping = true;
        try {
          do {
            again = false;
            for (;;) {
              const events = await store.eventsAfter(lastSent, PAGE);
              if (closed || events.length === 0) break;
              let text = '';
              for (const event of events) {
                // Kinds and ids are ours (no newlines); data is one line of JSON.
                text += `id: ${event.eventId}\nevent: ${event.kind}\ndata: ${JSON.stringify(toEventDto(event))}\n\n`;
                lastSent = event.eventId;
              }
              if (!raw.write(text)) await new Promise((resolve) => raw.once('drain', resolve));
              if (events.length < PAGE) break;
            }
          } while (again && !closed);
        } catch {
          // The store is closing: the client reconnects and resumes from its last id.
          raw.end();
        } finally {
          pumping = false;
        }
      };
      const unsubscribe = bus.subscribe(() => void pump());
      const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      const stop = (): void => {
        closed = true;
        unsubscribe();
        clearInterval(keepAlive);
      };
      const end = (): void => {
        stop();
        raw.end();
      };
      streams.add(end);
      request.raw.on('close', () => {
        stop();
        streams.delete(end);
      });
      await pump();
    },
  );
}
