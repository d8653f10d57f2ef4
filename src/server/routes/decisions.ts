import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { RouterError } from '../../kernel/errors.js';
import type { LoggedDecision } from '../../policy/decision.js';
import { decisionRecord } from '../../wire/decision-dto.js';
import { AgentIdSchema, TaskIdSchema } from '../../wire/id-schemas.js';
import { parseTimeText, TIME_TEXT_EXPECTED } from '../../wire/time-text.js';
import { LimitQuerySchema, pageLimit } from '../page-limit.js';
import type { ServiceContext } from '../service-context.js';

const TimeText = Type.String({ minLength: 1, maxLength: 40, description: TIME_TEXT_EXPECTED });

const DecisionsQuerySchema = Type.Object(
  {
    task_id: Type.Optional(TaskIdSchema),
    agent_id: Type.Optional(AgentIdSchema),
    since: Type.Optional(TimeText),
    until: Type.Optional(TimeText),
    limit: LimitQuerySchema(50),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

const ExportQuerySchema = Type.Object({ since: Type.Optional(TimeText) }, { additionalProperties: false });

/** Export lines are sent in pieces of about this many characters: few writes, bounded memory. */
const EXPORT_CHUNK_CHARS = 65_536;

export function decisionRoutes(app: FastifyInstance, { router, auth }: ServiceContext): void {
  app.get(
    '/v1/decisions',
    {
      ...auth.guard('reader'),
      schema: {
        summary: 'Logged decisions, newest first, by task, agent and time; {"decisions", "next_cursor"}.',
        querystring: DecisionsQuerySchema,
      },
    },
    async (request, reply) => {
      const q = request.query as Record<string, string | undefined>;
      const limit = pageLimit(q.limit, 50);
      const page = await router.history({
        limit,
        ...(q.task_id === undefined ? {} : { taskId: q.task_id }),
        ...(q.agent_id === undefined ? {} : { agentId: q.agent_id }),
        ...(q.since === undefined ? {} : { sinceMs: timeOf('since', q.since) }),
        ...(q.until === undefined ? {} : { untilMs: timeOf('until', q.until) }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      });
      const records = page.decisions.map(decisionRecord).join(',');
      return reply
        .type('application/json')
        .send(`{"decisions":[${records}],"next_cursor":${JSON.stringify(page.nextCursor)}}`);
    },
  );

  app.get(
    '/v1/export',
    {
      ...auth.guard('reader'),
      schema: {
        summary: 'The whole audit log as JSONL, oldest first, streamed.',
        querystring: ExportQuerySchema,
      },
    },
    async (request, reply) => {
      const { since } = request.query as { since?: string };
      const decisions = router.export(since === undefined ? {} : { sinceMs: timeOf('since', since) });
      return reply.type('application/x-ndjson').send(Readable.from(jsonlChunks(decisions)));
    },
  );
}

async function* jsonlChunks(decisions: AsyncIterable<LoggedDecision>): AsyncIterable<string> {
  let chunk = '';
  for await (const decision of decisions) {
    chunk += `${decisionRecord(decision)}\n`;
    if (chunk.length >= EXPORT_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

function timeOf(field: string, text: string): number {
  const ms = parseTimeText(text);
  if (Number.isNaN(ms)) {
    throw new RouterError(
      'invalid_request',
      `query: ${field} must be ${TIME_TEXT_EXPECTED} (got ${JSON.stringify(text)})`,
      {
        details: { field },
      },
    );
  }
  return ms;
}
