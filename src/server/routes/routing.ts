import type { FastifyInstance } from 'fastify';
import { recordDecision, recordDecisionFailure } from '../../telemetry/decision-spans.js';
import { withSelectedSkill } from '../../wire/a2a-dto.js';
import { decisionRecord } from '../../wire/decision-dto.js';
import { withSelectedTool } from '../../wire/mcp-dto.js';
import { type RouteRequestDto, RouteRequestDtoSchema, toRouteRequest } from '../../wire/route-dto.js';
import type { ServiceContext } from '../service-context.js';

export function routingRoutes(app: FastifyInstance, { router, auth, metrics }: ServiceContext): void {
  app.post(
    '/v1/route',
    {
      ...auth.guard('admin'),
      schema: {
        summary:
          'The seed’s one-shot recommend_agent: scores the bids given, decides, logs, and answers the decision (with "selected_tool": {"server", "tool"} when the selected entry is a tool of an MCP server, "selected_skill": {"agent", "skill", "skill_name", "explanation"} when it is a skill of an A2A agent).',
        body: RouteRequestDtoSchema,
      },
    },
    async (request, reply) => {
      const started = process.hrtime.bigint();
      const startTime = performance.now();
      const routeRequest = toRouteRequest(request.body as RouteRequestDto);
      const decision = await router.route(routeRequest).catch((error: unknown) => {
        recordDecisionFailure('route', routeRequest.taskId, startTime, error);
        throw error;
      });
      metrics.decided(decision, Number(process.hrtime.bigint() - started) / 1e9);
      recordDecision({
        kind: 'route',
        decision,
        seq: decision.seq,
        manifestOf: (agentId) => router.registry.get(agentId),
        startTime,
      });
      // decisionRecord is the log's own JSON text (field order included): sent as it is, with the
      // tool and its server after it when the selected entry is a tool of an MCP server.
      const selected =
        decision.selectedAgent === null ? undefined : router.registry.get(decision.selectedAgent);
      return reply
        .type('application/json')
        .send(
          withSelectedSkill(withSelectedTool(decisionRecord(decision), selected?.mcp), selected, decision),
        );
    },
  );
}
