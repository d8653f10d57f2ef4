import type { FastifyInstance } from 'fastify';
import type { OutcomeResult } from '../../policy/outcome.js';
import type { Task } from '../../tasks/task.js';
import { withSelectedSkill } from '../../wire/a2a-dto.js';
import { decisionRecord } from '../../wire/decision-dto.js';
import { checkedResult } from '../../wire/outcome-result.js';
import {
  AgentActionDtoSchema,
  OutcomeActionDtoSchema,
  type PostTaskDto,
  PostTaskDtoSchema,
  TaskAnswerSchema,
  TaskBidDtoSchema,
  TaskIdParamsSchema,
  TaskListQuerySchema,
  TaskPageSchema,
  toPostTaskInput,
  toTaskDto,
} from '../../wire/task-dto.js';
import { pageLimit } from '../page-limit.js';
import type { ServiceContext } from '../service-context.js';

type TaskParams = { task_id: string };
type AgentBody = { agent_id: string };
type OutcomeBody = AgentBody & { duration_ms?: number; result?: Record<string, unknown> };

/** Tasks and their auctions (DESIGN.md "HTTP API"; the lifecycle is tasks/task.ts). */
export function taskRoutes(
  app: FastifyInstance,
  { tasks, router, auth, directory, metrics }: ServiceContext,
): void {
  // Every step of an agent names the agent in its body, who must be the caller.
  const asTheAgentOfTheBody = auth.guard({
    actingAs: (request) => (request.body as Partial<AgentBody> | null | undefined)?.agent_id,
  });
  app.post(
    '/v1/tasks',
    {
      ...auth.guard('admin'),
      schema: {
        summary: 'Post a task: its auction opens for bidding_window_ms (default 15000).',
        body: PostTaskDtoSchema,
        response: { 201: TaskAnswerSchema },
      },
    },
    async (request, reply) => {
      const task = await tasks.post(toPostTaskInput(request.body as PostTaskDto));
      return reply.status(201).send({ task: toTaskDto(task) });
    },
  );

  app.get(
    '/v1/tasks',
    {
      ...auth.guard('reader'),
      schema: {
        summary: 'Tasks, newest first, optionally of one status.',
        querystring: TaskListQuerySchema,
        response: { 200: TaskPageSchema },
      },
    },
    async (request) => {
      const q = request.query as { status?: Task['status']; limit?: string; cursor?: string };
      const limit = pageLimit(q.limit, 50);
      const page = await tasks.list({
        limit,
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      });
      return { tasks: page.tasks.map(toTaskDto), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/tasks/:task_id',
    {
      ...auth.guard('reader'),
      schema: {
        summary:
          'One task, with its decision once decided, and what its agent handed back once completed or failed ("result", else null).',
        params: TaskIdParamsSchema,
      },
    },
    async (request, reply) => {
      const task = await tasks.get((request.params as TaskParams).task_id);
      const decision = task.decisionSeq === null ? undefined : await router.getDecision(task.decisionSeq);
      const result = await tasks.resultOf(task);
      // The decision is the log's own JSON text, embedded as it is.
      return reply
        .type('application/json')
        .send(
          `{"task":${JSON.stringify(toTaskDto(task))},"decision":${decision === undefined ? 'null' : withSelectedSkill(decisionRecord(decision), decision.selectedAgent === null ? undefined : router.registry.get(decision.selectedAgent), decision)},"result":${JSON.stringify(result ?? null)}}`,
        );
    },
  );

  app.post(
    '/v1/tasks/:task_id/bids',
    {
      ...asTheAgentOfTheBody,
      schema: {
        summary:
          'A sealed bid, one per agent: 409 once the auction closed, 422 when the policy refuses the agent.',
        params: TaskIdParamsSchema,
        body: TaskBidDtoSchema,
        response: { 201: TaskAnswerSchema },
      },
    },
    async (request, reply) => {
      const { task_id: taskId } = request.params as TaskParams;
      const { agent_id: agentId, bid_sats: bidSats } = request.body as { agent_id: string; bid_sats: number };
      // Refused as offline or lacking a capability by a copy another instance has since changed: once more.
      const task = await directory.retryIfStale(agentId, () => tasks.bid(taskId, agentId, bidSats));
      metrics.bidReceived();
      return reply.status(201).send({ task: toTaskDto(task) });
    },
  );

  // One route per step of an agent.
  const agentAction = (
    path: string,
    summary: string,
    body: typeof AgentActionDtoSchema | typeof OutcomeActionDtoSchema,
    run: (
      taskId: string,
      agentId: string,
      durationMs: number | undefined,
      result: OutcomeResult | undefined,
    ) => Promise<Task>,
  ): void => {
    app.post(
      `/v1/tasks/:task_id/${path}`,
      {
        ...asTheAgentOfTheBody,
        schema: { summary, params: TaskIdParamsSchema, body, response: { 200: TaskAnswerSchema } },
      },
      async (request) => {
        const { agent_id: agentId, duration_ms: durationMs, result } = request.body as OutcomeBody;
        const checked = result === undefined ? undefined : checkedResult(result, 'body: result');
        return {
          task: toTaskDto(await run((request.params as TaskParams).task_id, agentId, durationMs, checked)),
        };
      },
    );
  };
  agentAction('accept', 'The agent the task is offered to takes it.', AgentActionDtoSchema, (t, a) =>
    tasks.accept(t, a),
  );
  agentAction(
    'reject',
    'The agent the task is offered to turns it down: offered to the next candidate.',
    AgentActionDtoSchema,
    (t, a) => tasks.reject(t, a),
  );
  agentAction(
    'complete',
    'The agent that accepted the task finished it; the router learns from it.',
    OutcomeActionDtoSchema,
    (t, a, ms, result) => tasks.complete(t, a, ms, result),
  );
  agentAction(
    'fail',
    'The agent that accepted the task failed it: retried on the next candidate while attempts remain.',
    OutcomeActionDtoSchema,
    (t, a, ms, result) => tasks.fail(t, a, ms, result),
  );
}
