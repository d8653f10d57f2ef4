import { type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { isRouterError } from '../kernel/errors.js';

/**
 * The names of the spans and attributes swarm-router records (docs/http-api.md, "Traces"). Ids,
 * names and numbers only: a task's description and an agent's result may be sensitive, so neither is
 * ever put on a span, and errors are recorded by their type, not their message.
 */
export const TRACER_NAME = 'swarm-router';

export const SPAN_DECIDE = 'swarm_router.decide';
export const SPAN_OUTCOME = 'swarm_router.outcome';

export const ATTR_TASK_ID = 'swarm_router.task.id';
/** `auction` (a posted task whose auction closed) or `route` (POST /v1/route). */
export const ATTR_DECISION_KIND = 'swarm_router.decision.kind';
export const ATTR_DECISION_SEQ = 'swarm_router.decision.seq';
export const ATTR_DECISION_ID = 'swarm_router.decision.id';
export const ATTR_WINNER = 'swarm_router.winner';
export const ATTR_SKILL = 'swarm_router.skill';
export const ATTR_A2A_AGENT = 'swarm_router.a2a.agent';
export const ATTR_TOOL = 'swarm_router.tool';
export const ATTR_MCP_SERVER = 'swarm_router.mcp.server';
/** The winner's combined score. */
export const ATTR_SCORE = 'swarm_router.score';
export const ATTR_BIDS = 'swarm_router.bids';
export const ATTR_CANDIDATES_KEPT = 'swarm_router.candidates_kept';
export const ATTR_AGENT = 'swarm_router.agent';
export const ATTR_ATTEMPT = 'swarm_router.attempt';
export const ATTR_OUTCOME = 'swarm_router.outcome';
export const ATTR_FINAL = 'swarm_router.final';
export const ATTR_DURATION_MS = 'swarm_router.duration_ms';
export const ATTR_A2A_TASK_ID = 'swarm_router.a2a.task_id';
export const ATTR_A2A_TASK_STATE = 'swarm_router.a2a.task_state';

// The GenAI semantic conventions are still in development, and @opentelemetry/semantic-conventions
// marks their constants as moved out of it: the names are spelled here.
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_AGENT_VERSION = 'gen_ai.agent.version';
export const GEN_AI_OPERATION_INVOKE_AGENT = 'invoke_agent';
/** None of the conventions' well-known providers fits an agent reached over A2A. */
export const GEN_AI_PROVIDER_A2A = 'a2a';

/**
 * The tracer of the global provider, asked for at each use: a tracer kept from before a provider was
 * registered (or after it was replaced) would keep recording to the old one.
 */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** The error's type (a RouterError's code, else its class), never its message: messages may quote input. */
export function errorType(error: unknown): string {
  if (isRouterError(error)) return error.code;
  if (error instanceof Error) return error.name;
  return typeof error;
}

/** Marks the span as failed with the error's type. */
export function setError(span: Span, type: string): void {
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}
