import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import type { A2aReach } from '../manifest/manifest.js';
import {
  ATTR_A2A_AGENT,
  ATTR_A2A_TASK_ID,
  ATTR_A2A_TASK_STATE,
  ATTR_ATTEMPT,
  ATTR_DECISION_SEQ,
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_OUTCOME,
  ATTR_SKILL,
  ATTR_TASK_ID,
  errorType,
  GEN_AI_OPERATION_INVOKE_AGENT,
  GEN_AI_PROVIDER_A2A,
  setError,
  tracer,
} from './attributes.js';

/**
 * How a dispatch to an agent ended: `completed` and `failed` as the agent reported them; `rejected`
 * when it could not be reached or refused the message (the offer is turned down); `timed_out` when it
 * did not answer in time, or the lifecycle moved the task on meanwhile (its reservation or deadline
 * passed); `abandoned` when the service stopped first.
 */
export type AgentRunOutcome = 'completed' | 'failed' | 'rejected' | 'timed_out' | 'abandoned';

export interface AgentRunEnd {
  readonly outcome: AgentRunOutcome;
  /** The A2A task's id and last state as the agent reported them (`completed`, `input_required`, …). */
  readonly a2aTaskId?: string;
  readonly a2aState?: string;
  readonly error?: unknown;
}

export interface AgentRunInput {
  readonly taskId: string;
  /** The roster entry the task was offered to (`<agent>:<skill>`). */
  readonly agentId: string;
  readonly reach: A2aReach;
  readonly attempt: number;
}

/**
 * One dispatch of a task to an A2A agent, as an `invoke_agent {gen_ai.agent.name}` CLIENT span of the
 * GenAI semantic conventions, child of the task's decision span when that is known (`parent`).
 */
export class AgentRunSpan {
  readonly #span: Span;

  constructor(input: AgentRunInput, parent: Context | undefined) {
    const { reach } = input;
    this.#span = tracer().startSpan(
      `${GEN_AI_OPERATION_INVOKE_AGENT} ${reach.cardName}`,
      {
        kind: SpanKind.CLIENT,
        // What samplers may decide on is given at the start, as the conventions ask.
        attributes: {
          [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_INVOKE_AGENT,
          [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_A2A,
          [ATTR_GEN_AI_AGENT_NAME]: reach.cardName,
          [ATTR_GEN_AI_AGENT_ID]: input.agentId,
          [ATTR_GEN_AI_AGENT_VERSION]: reach.cardVersion,
          ...serverOf(reach),
          [ATTR_TASK_ID]: input.taskId,
          [ATTR_ATTEMPT]: input.attempt,
          [ATTR_SKILL]: reach.skill,
          [ATTR_A2A_AGENT]: reach.agent,
        },
      },
      parent ?? context.active(),
    );
  }

  /**
   * The headers that carry this span's context to the agent (W3C `traceparent` and `tracestate` with
   * the propagator `serve` registers), so that the agent's own spans join the task's trace; none
   * when tracing is off.
   */
  traceHeaders(): Record<string, string> {
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), this.#span), carrier);
    return carrier;
  }

  /** The logged decision the task was offered by (the parent span has it too, when there is one). */
  decided(seq: number | null): void {
    if (seq !== null) this.#span.setAttribute(ATTR_DECISION_SEQ, seq);
  }

  end(end: AgentRunEnd): void {
    const span = this.#span;
    if (span.isRecording()) {
      span.setAttribute(ATTR_OUTCOME, end.outcome);
      if (end.a2aTaskId !== undefined) span.setAttribute(ATTR_A2A_TASK_ID, end.a2aTaskId);
      if (end.a2aState !== undefined) span.setAttribute(ATTR_A2A_TASK_STATE, end.a2aState);
      if (end.error !== undefined) setError(span, errorType(end.error));
      else if (end.outcome === 'failed') setError(span, `a2a_task_${end.a2aState ?? 'failed'}`);
      else if (end.outcome === 'timed_out') setError(span, 'timeout');
    }
    span.end();
  }
}

/** `server.address` and `server.port` of the endpoint the client speaks to: the first JSON-RPC one. */
function serverOf(reach: A2aReach): Attributes {
  const first = reach.endpoints.find((e) => e.binding.toUpperCase() === 'JSONRPC') ?? reach.endpoints[0];
  if (first === undefined) return {};
  let url: URL;
  try {
    url = new URL(first.url);
  } catch {
    return {};
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  // An IPv6 literal is bracketed in a URL, not in the attribute.
  return { 'server.address': url.hostname.replace(/^\[(.*)\]$/, '$1'), 'server.port': port };
}
