import { type Static, Type } from '@sinclair/typebox';
import type { TaskEvent } from '../events/task-event.js';
import { RouterError } from '../kernel/errors.js';
import type { PostTaskInput } from '../service/task-types.js';
import type { Task } from '../tasks/task.js';
import { AgentIdSchema, TaskIdSchema } from './id-schemas.js';
import { parseTimeText, TIME_TEXT_EXPECTED } from './time-text.js';

/** The body of POST /v1/tasks. */
export const PostTaskDtoSchema = Type.Object(
  {
    task_id: Type.Optional(TaskIdSchema),
    description: Type.String({ minLength: 1, maxLength: 10_000 }),
    required_capabilities: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100 }),
    ),
    max_bid_sats: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    exclude: Type.Optional(Type.Array(AgentIdSchema, { maxItems: 10_000 })),
    bidding_window_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 3_600_000 })),
    deadline: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: TIME_TEXT_EXPECTED })),
  },
  { additionalProperties: false },
);
export type PostTaskDto = Static<typeof PostTaskDtoSchema>;

export const TaskIdParamsSchema = Type.Object({ task_id: TaskIdSchema }, { additionalProperties: false });

/** A sealed bid on a task. */
export const TaskBidDtoSchema = Type.Object(
  { agent_id: AgentIdSchema, bid_sats: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) },
  { additionalProperties: false },
);

/** accept / reject, by the agent the task is offered to. */
export const AgentActionDtoSchema = Type.Object({ agent_id: AgentIdSchema }, { additionalProperties: false });

/** complete / fail, by the agent that accepted it. */
export const OutcomeActionDtoSchema = Type.Object(
  {
    agent_id: AgentIdSchema,
    duration_ms: Type.Optional(Type.Number({ minimum: 0, maximum: 365 * 24 * 3_600_000 })),
    /** What the agent hands back (a JSON object, at most 64 KiB as JSON: outcome-result.ts). */
    result: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);

export const TaskListQuerySchema = Type.Object(
  {
    status: Type.Optional(
      Type.Union(
        ['open', 'offered', 'accepted', 'completed', 'failed', 'unassigned', 'expired'].map((s) =>
          Type.Literal(s),
        ),
      ),
    ),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '1..1000, default 50' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400 })),
  },
  { additionalProperties: false },
);

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

/** A task as the API answers it (toTaskDto); also what Fastify serialises answers with. */
export const TaskDtoSchema = Type.Object({
  task_id: Type.String(),
  description: Type.String(),
  status: Type.String({ description: 'open, offered, accepted, completed, failed, unassigned or expired' }),
  created_at: Type.String(),
  closes_at: Type.String(),
  deadline: Nullable(Type.String()),
  required_capabilities: Type.Array(Type.String()),
  max_bid_sats: Nullable(Type.Integer()),
  exclude: Type.Array(Type.String()),
  bids: Type.Array(Type.Object({ agent_id: Type.String(), bid_sats: Type.Integer() })),
  decision_seq: Nullable(Type.Integer()),
  candidates: Type.Array(Type.String(), { description: 'eligible bidders, best first' }),
  assigned_agent: Nullable(Type.String()),
  reserved_until: Nullable(Type.String()),
  failures: Type.Integer(),
  updated_at: Type.String(),
});

export const TaskAnswerSchema = Type.Object({ task: TaskDtoSchema });
export const TaskPageSchema = Type.Object({
  tasks: Type.Array(TaskDtoSchema),
  next_cursor: Nullable(Type.String()),
});

export function toPostTaskInput(dto: PostTaskDto): PostTaskInput {
  let deadlineMs: number | undefined;
  if (dto.deadline !== undefined) {
    deadlineMs = parseTimeText(dto.deadline);
    if (Number.isNaN(deadlineMs)) {
      throw new RouterError(
        'invalid_request',
        `body: deadline must be ${TIME_TEXT_EXPECTED} (got ${JSON.stringify(dto.deadline)})`,
        { details: { field: 'deadline' } },
      );
    }
  }
  return {
    ...(dto.task_id === undefined ? {} : { taskId: dto.task_id }),
    description: dto.description,
    ...(dto.required_capabilities === undefined ? {} : { requiredCapabilities: dto.required_capabilities }),
    ...(dto.max_bid_sats === undefined ? {} : { maxBidSats: dto.max_bid_sats }),
    ...(dto.exclude === undefined ? {} : { excludedAgents: dto.exclude }),
    ...(dto.bidding_window_ms === undefined ? {} : { biddingWindowMs: dto.bidding_window_ms }),
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A task as the API shows it. */
export function toTaskDto(task: Task): Record<string, unknown> {
  return {
    task_id: task.taskId,
    description: task.description,
    status: task.status,
    created_at: iso(task.createdMs),
    closes_at: iso(task.closesMs),
    deadline: iso(task.deadlineMs),
    required_capabilities: task.constraints.requiredCapabilities ?? [],
    max_bid_sats: task.constraints.maxBidSats ?? null,
    exclude: task.constraints.excludedAgents ?? [],
    bids: task.bids.map((b) => ({ agent_id: b.agentId, bid_sats: b.bidSats })),
    decision_seq: task.decisionSeq,
    candidates: task.candidates,
    assigned_agent: task.assignedAgent,
    reserved_until: iso(task.reservedUntilMs),
    failures: task.failures,
    updated_at: iso(task.updatedMs),
  };
}

/** camelCase → snake_case for the keys of an event's data. */
const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Event data keys ending in Ms are times: shown as ISO text under the name without the unit. */
export function toEventDto(event: TaskEvent): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.data)) {
    if (key.endsWith('Ms') && key !== 'durationMs' && (typeof value === 'number' || value === null)) {
      data[snake(key.slice(0, -2))] = iso(value);
    } else {
      data[snake(key)] = value;
    }
  }
  return {
    event_id: event.eventId,
    kind: event.kind,
    task_id: event.taskId,
    agent_id: event.agentId,
    at: iso(event.atMs),
    ...data,
  };
}
