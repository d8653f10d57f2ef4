import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RouterError } from '../../kernel/errors.js';
import { hashToken } from '../../service/agent-token.js';
import type { ServiceContext } from '../service-context.js';
import { EventStream, writeEventStreamHead } from '../sse/event-stream.js';
import { type EventStreamLimits, eventStreamLimits } from '../sse/event-stream-limits.js';
import { PageScheduler } from '../sse/page-scheduler.js';
import { StreamSlots } from '../sse/stream-slots.js';

/** Retry-After of a 429 for a stream over the caps: streams are long, a slot frees when one ends. */
const STREAM_RETRY_AFTER_SECONDS = 5;

/**
 * GET /v1/events: Server-Sent Events of the task lifecycle, each with its store id, so a client that
 * reconnects with Last-Event-ID (or ?last_event_id=) gets everything it missed, in order, then the
 * live stream (sse/event-stream.ts). Streams are capped per client and in all (`limits`), replays take
 * turns with the rest of the service a page at a time, and HEAD answers with the headers alone.
 */
export function eventRoutes(
  app: FastifyInstance,
  { events, bus, auth }: ServiceContext,
  limitOverrides: Partial<EventStreamLimits> = {},
): void {
  const limits = eventStreamLimits(limitOverrides);
  const scheduler = new PageScheduler(limits.pagesPerTurn);
  const slots = new StreamSlots(limits);
  // Open streams never go idle, so closing the server would wait for them forever: end them first.
  const streams = new Set<EventStream>();
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });
  app.get(
    '/v1/events',
    {
      ...auth.guard('reader'),
      schema: { summary: 'Server-Sent Events (task:posted, bid:received, task:assigned, …), resumable.' },
    },
    async (request, reply) => {
      const resumeAfter = lastEventIdOf(request);
      // Fastify answers HEAD with the GET handler: the headers GET would send (no Content-Length: the
      // stream has none), and nothing opened.
      if (request.method === 'HEAD') {
        reply.hijack();
        writeEventStreamHead(reply.raw, reply.getHeaders());
        reply.raw.end();
        return;
      }

      const slot = slots.take(streamClientOf(request, auth.enabled));
      if ('refused' in slot) {
        reply.header('retry-after', String(STREAM_RETRY_AFTER_SECONDS));
        throw new RouterError(
          'rate_limited',
          `${slot.refused}; close one, or retry in ${STREAM_RETRY_AFTER_SECONDS} s`,
        );
      }
      let lastSent: number;
      try {
        lastSent = resumeAfter ?? (await events.lastId());
      } catch (error) {
        slot.release();
        throw error;
      }
      reply.hijack();
      // The client may have gone while the last id was read (a store across the network): its close
      // has been and gone, so nothing would give the slot back.
      if (reply.raw.socket === null || reply.raw.socket.destroyed) {
        slot.release();
        return;
      }
      const stream = new EventStream(reply.raw, {
        events,
        scheduler,
        limits,
        lastSent,
        headers: reply.getHeaders(),
      });
      streams.add(stream);
      const unsubscribe = bus.subscribe(() => stream.wake());
      reply.raw.on('close', () => {
        unsubscribe();
        streams.delete(stream);
        slot.release();
      });
      stream.wake();
    },
  );
}

/** Last-Event-ID (header, or ?last_event_id=): the id to resume after; undefined means "from now". */
function lastEventIdOf(request: FastifyRequest): number | undefined {
  const header = request.headers['last-event-id'];
  const query = (request.query as { last_event_id?: string }).last_event_id;
  const resumeText = (Array.isArray(header) ? header[0] : header) ?? query;
  if (resumeText === undefined || resumeText === '') return undefined;
  if (/^[0-9]{1,15}$/.test(resumeText)) return Number(resumeText);
  throw new RouterError(
    'invalid_request',
    `Last-Event-ID must be an event id (got ${JSON.stringify(resumeText)})`,
    { details: { field: 'last_event_id' } },
  );
}

/**
 * Whose allowance a stream spends: its token's when the service checks tokens (the request got past
 * auth, so the token is valid), else its remote address's. Without an admin token any bearer header
 * is accepted, so it must not buy a client a fresh allowance.
 */
function streamClientOf(request: FastifyRequest, tokensChecked: boolean): string {
  const token = tokensChecked
    ? /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1]
    : undefined;
  return token === undefined ? `address ${request.ip}` : `token ${hashToken(token)}`;
}
