import { type Static, Type } from '@sinclair/typebox';
import type { RouteRequest } from '../router/route-request.js';
import { AgentIdSchema, TaskIdSchema } from './id-schemas.js';
import { compileValidator } from './validate.js';

export const BidDtoSchema = Type.Object(
  {
    agent_id: AgentIdSchema,
    bid_sats: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  },
  { additionalProperties: false },
);

/** One line of a batch workload, and the body of the one-shot route request. */
export const RouteRequestDtoSchema = Type.Object(
  {
    task_id: Type.Optional(TaskIdSchema),
    description: Type.String({ maxLength: 10_000 }),
    bids: Type.Array(BidDtoSchema, { maxItems: 1_000 }),
    /** Capability tags an agent must declare to be eligible (case-insensitive). */
    required_capabilities: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100 }),
    ),
    /** Bids above this are refused. */
    max_bid_sats: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    /** Agents that must not get the task. */
    exclude: Type.Optional(Type.Array(AgentIdSchema, { maxItems: 10_000 })),
  },
  { additionalProperties: false },
);
export type RouteRequestDto = Static<typeof RouteRequestDtoSchema>;

export const validateRouteRequestDto = compileValidator(RouteRequestDtoSchema);

/**
 * Always the same object shape, absent fields as undefined: requests built with conditional spreads
 * got a different hidden class each and made routing 40% slower (bench score-personas, 600k → 370k
 * decisions/s), because the router reads the optional fields of every request.
 */
export function toRouteRequest(dto: RouteRequestDto): RouteRequest {
  return {
    taskId: dto.task_id,
    description: dto.description,
    bids: dto.bids.map((b) => ({ agentId: b.agent_id, bidSats: b.bid_sats })),
    requiredCapabilities: dto.required_capabilities,
    maxBidSats: dto.max_bid_sats,
    excludedAgents: dto.exclude,
  };
}

export function fromRouteRequest(request: RouteRequest): RouteRequestDto {
  return {
    ...(request.taskId === undefined ? {} : { task_id: request.taskId }),
    description: request.description,
    bids: request.bids.map((b) => ({ agent_id: b.agentId, bid_sats: b.bidSats })),
    ...(request.requiredCapabilities === undefined
      ? {}
      : { required_capabilities: [...request.requiredCapabilities] }),
    ...(request.maxBidSats === undefined ? {} : { max_bid_sats: request.maxBidSats }),
    ...(request.excludedAgents === undefined ? {} : { exclude: [...request.excludedAgents] }),
  };
}
