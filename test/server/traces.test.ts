import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { callJson, closedAfterEach, TRANSLATE_SKILL } from '../helpers/a2a-fixtures.js';
import { type A2aTestAgent, type A2aTestAgentOptions, startA2aTestAgent } from '../helpers/a2a-test-agent.js';
import { type InMemoryTracing, startInMemoryTracing } from '../helpers/in-memory-tracing.js';
import { type ListeningService, startListeningService } from '../helpers/listening-service.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * Traces: each decision is a `swarm_router.decide` span, each dispatch to an A2A agent an
 * `invoke_agent {agent}` CLIENT span under it, each outcome the lifecycle records a
 * `swarm_router.outcome` span under it, so one trace holds decision → agent run → outcome. Recorded
 * by a real SDK provider with an in-memory exporter, against a real service and real A2A agents.
 */
const dir = tempDir();
const started = closedAfterEach();

const TRANSLATE = TRANSLATE_SKILL;
const TASK_TEXT = 'Translate this contract into Spanish';

function tracing(): InMemoryTracing {
  const t = startInMemoryTracing();
  started.push(t); // closed last: the service's spans end before the provider goes
  return t;
}

async function agent(options: A2aTestAgentOptions): Promise<A2aTestAgent> {
  const a = await startA2aTestAgent(options);
  started.push(a);
  return a;
}

async function service(roster: readonly string[] = []): Promise<ListeningService> {
  const s = await startListeningService({
    db: tempDbPath(dir),
    roster,
    taskSettings: { defaultBiddingWindowMs: 500 },
  });
  started.push(s);
  return s;
}

const call = callJson;

/** Posts a task and waits until the lifecycle has finished with it; answers its id. */
async function runTask(s: ListeningService, description: string): Promise<string> {
  const posted = await call(s, 'POST', '/v1/tasks', { description });
  expect(posted.status).toBe(201);
  const taskId = posted.body.task.task_id as string;
  for (let i = 0; i < 200; i++) {
    const { body } = await call(s, 'GET', `/v1/tasks/${taskId}`);
    if (['completed', 'failed', 'unassigned', 'expired'].includes(body.task.status)) return taskId;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`task ${taskId} did not finish`);
}

const named = (spans: readonly ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const isChildOf = (child: ReadableSpan, parent: ReadableSpan) =>
  child.parentSpanContext?.spanId === parent.spanContext().spanId &&
  child.spanContext().traceId === parent.spanContext().traceId;

/** No span carries a task's text or what an agent handed back. */
function expectNoTaskText(spans: readonly ReadableSpan[], ...texts: string[]): void {
  const values = spans.flatMap((s) => Object.values(s.attributes).map(String));
  for (const text of texts) expect(values.filter((v) => v.includes(text))).toEqual([]);
}

describe('traces of decisions and agent runs', () => {
  it('links the decision, the dispatch to the A2A agent and the outcome in one trace', async () => {
    const t = tracing();
    const remote = await agent({ name: 'Polyglot', skills: [TRANSLATE], rateSats: 12 });
    const s = await service();
    expect((await call(s, 'POST', '/v1/agents', { agent_card_url: remote.baseUrl })).status).toBe(201);
    const taskId = await runTask(s, TASK_TEXT);
    expect((await call(s, 'GET', `/v1/tasks/${taskId}`)).body.task.status).toBe('completed');

    const spans = await t.spansWhen((all) => named(all, 'invoke_agent Polyglot').length === 1);
    const decides = named(spans, 'swarm_router.decide');
    expect(decides).toHaveLength(1);
    const decide = decides[0] as ReadableSpan;
    expect(decide.parentSpanContext).toBeUndefined();
    expect(decide.status.code).toBe(SpanStatusCode.UNSET);
    expect(decide.attributes).toMatchObject({
      'swarm_router.task.id': taskId,
      'swarm_router.decision.kind': 'auction',
      'swarm_router.decision.seq': 1,
      'swarm_router.winner': 'polyglot:translate',
      'swarm_router.skill': 'translate',
      'swarm_router.a2a.agent': 'polyglot',
      'swarm_router.bids': 1,
    });
    expect(decide.attributes['swarm_router.decision.id']).toEqual(expect.any(String));
    expect(decide.attributes['swarm_router.score']).toEqual(expect.any(Number));
    expect(decide.attributes['swarm_router.candidates_kept']).toBeGreaterThanOrEqual(1);
    expect(decide.attributes['swarm_router.tool']).toBeUndefined();

    const run = named(spans, 'invoke_agent Polyglot')[0] as ReadableSpan;
    expect(isChildOf(run, decide)).toBe(true);
    expect(run.kind).toBe(SpanKind.CLIENT);
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    expect(run.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'a2a',
      'gen_ai.agent.name': 'Polyglot',
      'gen_ai.agent.id': 'polyglot:translate',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(remote.baseUrl).port),
      'swarm_router.task.id': taskId,
      'swarm_router.attempt': 1,
      'swarm_router.decision.seq': 1,
      'swarm_router.skill': 'translate',
      'swarm_router.outcome': 'completed',
      'swarm_router.a2a.task_state': 'completed',
    });
    expect(run.attributes['swarm_router.a2a.task_id']).toEqual(expect.any(String));
    // The agent was told the dispatch span's context on every call (W3C trace context, sampled).
    const { traceId, spanId } = run.spanContext();
    expect(remote.traceparents.length).toBeGreaterThan(0);
    expect(new Set(remote.traceparents)).toEqual(new Set([`00-${traceId}-${spanId}-01`]));

    const outcomes = named(spans, 'swarm_router.outcome');
    expect(outcomes).toHaveLength(1);
    expect(isChildOf(outcomes[0] as ReadableSpan, decide)).toBe(true);
    expect(outcomes[0]?.attributes).toMatchObject({
      'swarm_router.task.id': taskId,
      'swarm_router.agent': 'polyglot:translate',
      'swarm_router.outcome': 'completed',
      'swarm_router.final': true,
    });
    expectNoTaskText(spans, TASK_TEXT, 'Spanish', 'done:');
    // The task has ended: its decision's context is not kept.
    expect(s.service.tasks.traceContextOf(taskId)).toBeUndefined();
  });

  it('traces each attempt under the one decision: a failed run, then the next candidate', async () => {
    const t = tracing();
    const flaky = await agent({ name: 'Cheap', skills: [TRANSLATE], rateSats: 5, failsAll: true });
    const good = await agent({ name: 'Solid', skills: [TRANSLATE], rateSats: 40 });
    const s = await service();
    await call(s, 'POST', '/v1/agents', { agent_card_url: flaky.baseUrl });
    await call(s, 'POST', '/v1/agents', { agent_card_url: good.baseUrl });
    const taskId = await runTask(s, 'Translate the letter into Italian');

    const spans = await t.spansWhen((all) => named(all, 'invoke_agent Solid').length === 1);
    const decide = named(spans, 'swarm_router.decide')[0] as ReadableSpan;
    expect(decide.attributes).toMatchObject({
      'swarm_router.winner': 'cheap:translate',
      'swarm_router.bids': 2,
    });
    const failed = named(spans, 'invoke_agent Cheap')[0] as ReadableSpan;
    const solid = named(spans, 'invoke_agent Solid')[0] as ReadableSpan;
    for (const run of [failed, solid]) expect(isChildOf(run, decide)).toBe(true);
    expect(failed.attributes).toMatchObject({
      'swarm_router.attempt': 1,
      'swarm_router.outcome': 'failed',
      'swarm_router.a2a.task_state': 'failed',
      'error.type': 'a2a_task_failed',
    });
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(solid.attributes).toMatchObject({
      'swarm_router.attempt': 2,
      'swarm_router.outcome': 'completed',
    });
    const outcomes = named(spans, 'swarm_router.outcome').map((o) => o.attributes);
    expect(outcomes).toEqual([
      expect.objectContaining({ 'swarm_router.agent': 'cheap:translate', 'swarm_router.final': false }),
      expect.objectContaining({ 'swarm_router.agent': 'solid:translate', 'swarm_router.final': true }),
    ]);
    expect(new Set(spans.map((span) => span.spanContext().traceId))).toEqual(
      new Set([decide.spanContext().traceId]),
    );
    expect(taskId).toEqual(decide.attributes['swarm_router.task.id']);
  });

  it('traces a one-shot route (POST /v1/route), and a route that fails as an error', async () => {
    const t = tracing();
    const s = await service(['echo', 'forge', 'quill']);
    const routed = await call(s, 'POST', '/v1/route', {
      task_id: 'task-traced',
      description: 'Write the README for the release',
      bids: [
        { agent_id: 'quill', bid_sats: 30 },
        { agent_id: 'forge', bid_sats: 40 },
      ],
    });
    expect(routed.status).toBe(200);
    const refused = await call(s, 'POST', '/v1/route', {
      task_id: 'task-twice',
      description: 'Write it again',
      bids: [
        { agent_id: 'quill', bid_sats: 30 },
        { agent_id: 'quill', bid_sats: 31 },
      ],
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);

    const [ok, failed] = named(await t.spans(), 'swarm_router.decide');
    expect(ok?.attributes).toMatchObject({
      'swarm_router.task.id': 'task-traced',
      'swarm_router.decision.kind': 'route',
      'swarm_router.decision.seq': routed.body.seq,
      'swarm_router.decision.id': routed.body.decision_id,
      'swarm_router.winner': routed.body.selected_agent,
      'swarm_router.bids': 2,
    });
    expect(ok?.attributes['swarm_router.score']).toEqual(expect.any(Number));
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.attributes).toMatchObject({
      'swarm_router.task.id': 'task-twice',
      'error.type': 'duplicate_bid',
    });
    expectNoTaskText(await t.spans(), 'README', 'again');
  });

  it('runs as before with no tracer provider: the API is a no-op and no context is kept', async () => {
    expect(trace.getTracerProvider().getTracer('x').startSpan('probe').isRecording()).toBe(false);
    const remote = await agent({ name: 'Polyglot', skills: [TRANSLATE], rateSats: 12 });
    const s = await service();
    await call(s, 'POST', '/v1/agents', { agent_card_url: remote.baseUrl });
    const posted = await call(s, 'POST', '/v1/tasks', { description: TASK_TEXT });
    const taskId = posted.body.task.task_id as string;
    expect(s.service.tasks.traceContextOf(taskId)).toBeUndefined();
    const done = await runTask(s, 'Translate the letter into German');
    expect((await call(s, 'GET', `/v1/tasks/${done}`)).body.task.status).toBe('completed');
    // Nothing to tell the agent either.
    expect(remote.traceparents.length).toBeGreaterThan(0);
    expect(remote.traceparents.every((t) => t === undefined)).toBe(true);
    expect((await call(s, 'POST', '/v1/route', { description: 'Translate a letter', bids: [] })).status).toBe(
      200,
    );
  });
});
