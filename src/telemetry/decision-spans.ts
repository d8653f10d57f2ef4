import { type Attributes, type Context, context, trace } from '@opentelemetry/api';
import { LRUCache } from 'lru-cache';
import type { AgentManifest } from '../manifest/manifest.js';
import type { Decision } from '../policy/decision.js';
import {
  ATTR_A2A_AGENT,
  ATTR_AGENT,
  ATTR_BIDS,
  ATTR_CANDIDATES_KEPT,
  ATTR_DECISION_ID,
  ATTR_DECISION_KIND,
  ATTR_DECISION_SEQ,
  ATTR_DURATION_MS,
  ATTR_FINAL,
  ATTR_MCP_SERVER,
  ATTR_OUTCOME,
  ATTR_SCORE,
  ATTR_SKILL,
  ATTR_TASK_ID,
  ATTR_TOOL,
  ATTR_WINNER,
  errorType,
  SPAN_DECIDE,
  SPAN_OUTCOME,
  setError,
  tracer,
} from './attributes.js';

export type DecisionKind = 'auction' | 'route';

export interface DecidedInput {
  readonly kind: DecisionKind;
  readonly decision: Decision;
  /** The decision's place in the log, once it is there. */
  readonly seq: number | null;
  /** The winner's manifest, asked for only when the span records. */
  readonly manifestOf: (agentId: string) => AgentManifest | undefined;
  /** When deciding began (performance.now()): the span covers the decision and its commit. */
  readonly startTime: number;
}

/**
 * Records a decision that was made and logged as a finished `swarm_router.decide` span, child of the
 * active span if any. Answers its context, for the spans of what follows from it, or undefined when
 * nothing records (no tracer provider registered: the API's no-op, which costs one call).
 */
export function recordDecision(input: DecidedInput): Context | undefined {
  const { decision } = input;
  const span = tracer().startSpan(SPAN_DECIDE, {
    startTime: input.startTime,
    attributes: { [ATTR_TASK_ID]: decision.taskId, [ATTR_DECISION_KIND]: input.kind },
  });
  if (!span.isRecording()) {
    span.end();
    return undefined;
  }
  span.setAttributes(decisionAttributes(input));
  span.end(performance.now());
  return trace.setSpan(context.active(), span);
}

function decisionAttributes({ decision, seq, manifestOf }: DecidedInput): Attributes {
  const winner = decision.selectedAgent;
  const attributes: Attributes = {
    [ATTR_DECISION_ID]: decision.decisionId,
    [ATTR_BIDS]: decision.bidders.length,
    [ATTR_CANDIDATES_KEPT]: decision.agentIds.length,
  };
  if (seq !== null) attributes[ATTR_DECISION_SEQ] = seq;
  if (winner === null) return attributes;
  attributes[ATTR_WINNER] = winner;
  const score = decision.bidders.find((b) => b.agentId === winner)?.combined;
  if (score !== undefined) attributes[ATTR_SCORE] = score;
  const manifest = manifestOf(winner);
  if (manifest?.a2a !== undefined) {
    attributes[ATTR_SKILL] = manifest.a2a.skill;
    attributes[ATTR_A2A_AGENT] = manifest.a2a.agent;
  }
  if (manifest?.mcp !== undefined) {
    attributes[ATTR_TOOL] = manifest.mcp.tool;
    attributes[ATTR_MCP_SERVER] = manifest.mcp.server;
  }
  return attributes;
}

/** A decision that could not be made or logged: a `swarm_router.decide` span with status ERROR. */
export function recordDecisionFailure(
  kind: DecisionKind,
  taskId: string | undefined,
  startTime: number,
  error: unknown,
): void {
  const span = tracer().startSpan(SPAN_DECIDE, {
    startTime,
    attributes: { [ATTR_DECISION_KIND]: kind, ...(taskId === undefined ? {} : { [ATTR_TASK_ID]: taskId }) },
  });
  setError(span, errorType(error));
  span.end(performance.now());
}

export interface OutcomeInput {
  readonly agentId: string;
  readonly status: 'completed' | 'failed';
  readonly durationMs: number | undefined;
  /** Whether the task ended with it (a failure may offer it to the next candidate). */
  readonly final: boolean;
}

/** How many decided tasks' trace contexts are kept at most (the oldest are forgotten first). */
const DEFAULT_MAX_TASKS = 10_000;

/**
 * The traces of the auctions a task service decided: each task's decision span, kept (by task id, in
 * a bounded map) until the task ends, so that what follows on other call stacks (the dispatch to an
 * A2A agent, the outcomes reported) joins the decision's trace.
 */
export class DecisionTraces {
  readonly #contexts: LRUCache<string, Context>;

  constructor(maxTasks = DEFAULT_MAX_TASKS) {
    this.#contexts = new LRUCache({ max: maxTasks });
  }

  /** The auction of the task was decided and logged: its span, remembered for the task. */
  decided(input: Omit<DecidedInput, 'kind'>): void {
    const decided = recordDecision({ ...input, kind: 'auction' });
    if (decided !== undefined) this.#contexts.set(input.decision.taskId, decided);
  }

  /** Closing the auction failed: a span saying so. */
  failed(taskId: string, startTime: number, error: unknown): void {
    recordDecisionFailure('auction', taskId, startTime, error);
  }

  /** The context of the task's decision span, while the task runs and tracing records. */
  contextOf(taskId: string): Context | undefined {
    return this.#contexts.get(taskId);
  }

  /** An outcome the lifecycle recorded: a `swarm_router.outcome` span, child of the decision's. */
  outcome(taskId: string, outcome: OutcomeInput): void {
    const parent = this.#contexts.get(taskId);
    if (parent === undefined) return;
    const span = tracer().startSpan(
      SPAN_OUTCOME,
      {
        attributes: {
          [ATTR_TASK_ID]: taskId,
          [ATTR_AGENT]: outcome.agentId,
          [ATTR_OUTCOME]: outcome.status,
          [ATTR_FINAL]: outcome.final,
          ...(outcome.durationMs === undefined ? {} : { [ATTR_DURATION_MS]: outcome.durationMs }),
        },
      },
      parent,
    );
    if (outcome.status === 'failed') setError(span, 'agent_failed');
    span.end();
  }

  /** The task has ended: nothing more will join its trace. */
  forget(taskId: string): void {
    this.#contexts.delete(taskId);
  }
}
