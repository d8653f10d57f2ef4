import type { FastifyInstance } from 'fastify';
import type { RouteRequest } from '../../router/route-request.js';
import type { Router } from '../../router/router.js';
import { HouseBids } from '../../service/house-bids.js';
import { recordDecision, recordDecisionFailure } from '../../telemetry/decision-spans.js';
import { routeAnswer } from '../../wire/route-answer.js';
import { type RouteRequestDto, RouteRequestDtoSchema, toRouteRequest } from '../../wire/route-dto.js';
import type { ServiceContext } from '../service-context.js';

export function routingRoutes(
  app: FastifyInstance,
  { router, directory, auth, metrics }: ServiceContext,
): void {
  const houseBids = new HouseBids({ router, directory });
  app.post(
    '/v1/route',
    {
      ...auth.guard('admin'),
      schema: {
        summary:
          'The seed’s one-shot recommend_agent: scores the bids given, decides, logs, and answers the decision (with "selected_tool": {"server", "tool"} when the selected entry is a tool of an MCP server, "selected_skill": {"agent", "skill", "skill_name", "explanation"} when it is a skill of an A2A agent). A2A agents do not bid: as in an auction, the router adds bids at their rates for the skills that match the task best, unless the request bids for them or the policy would refuse the bid (excluded, above max_bid_sats, …).',
        body: RouteRequestDtoSchema,
      },
    },
    async (request, reply) => {
      const started = process.hrtime.bigint();
      const startTime = performance.now();
      const given = toRouteRequest(request.body as RouteRequestDto);
      // The router's bids are part of the decision: a failure while placing them is traced as one.
      const decision = await (async () => router.route(withHouseBids(given, houseBids, router)))().catch(
        (error: unknown) => {
          recordDecisionFailure('route', given.taskId, startTime, error);
          throw error;
        },
      );
      metrics.decided(decision, Number(process.hrtime.bigint() - started) / 1e9);
      recordDecision({
        kind: 'route',
        decision,
        seq: decision.seq,
        manifestOf: (agentId) => router.registry.get(agentId),
        startTime,
      });
      // The log's own JSON text, sent as it is, with the tool or the skill selected after it.
      return reply
        .type('application/json')
        .send(routeAnswer(decision, (agentId) => router.registry.get(agentId)));
    },
  );
}

/**
 * The request with the router's bids for the A2A skills that match it best (house-bids.ts), as an
 * auction would place them: not for entries the caller bid for, nor where the policy would refuse
 * the bid (excluded, above max_bid_sats, lacking a required capability, at capacity, offline), which
 * an auction does not place either (TaskService.post): the caller is not told of refusals of bids it
 * never made.
 */
function withHouseBids(request: RouteRequest, houseBids: HouseBids, router: Router): RouteRequest {
  const bidders = new Set(request.bids.map((b) => b.agentId));
  const house = houseBids.biddersFor(
    request.description,
    (agentId, bidSats) => !bidders.has(agentId) && router.refusalOf(agentId, bidSats, request) === null,
  );
  return house.length === 0 ? request : { ...request, bids: [...request.bids, ...house] };
}
