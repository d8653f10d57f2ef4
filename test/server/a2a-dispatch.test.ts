import { describe, expect, it } from 'vitest';
import { AgentClient } from '../../src/client/agent-client.js';
import { callJson, closedAfterEach, TRANSLATE_SKILL } from '../helpers/a2a-fixtures.js';
import { type A2aTestAgent, type A2aTestAgentOptions, startA2aTestAgent } from '../helpers/a2a-test-agent.js';
import { type ListeningService, startListeningService } from '../helpers/listening-service.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * Tasks posted to the service reach A2A agents: the router bids for their skills at their rate, the
 * winner's agent is sent the task by @a2a-js/sdk's client and followed to its end, and the lifecycle
 * records it: completed, or failed and offered to the next candidate; agents on swarm-router/client
 * work beside them. Real A2A servers, real sockets.
 */
const dir = tempDir();
const started = closedAfterEach();

const TRANSLATE = TRANSLATE_SKILL;

async function agent(options: A2aTestAgentOptions): Promise<A2aTestAgent> {
  const a = await startA2aTestAgent(options);
  started.push(a);
  return a;
}

async function service(): Promise<ListeningService> {
  // No personas: the A2A skills are the swarm.
  const s = await startListeningService({ db: tempDbPath(dir), roster: [] });
  started.push(s);
  return s;
}

const call = callJson;

/** Posts a task and waits until the lifecycle has finished with it. */
// biome-ignore lint/suspicious/noExplicitAny: the answers' JSON is read loosely in tests
async function runTask(s: ListeningService, description: string): Promise<Record<string, any>> {
  const posted = await call(s, 'POST', '/v1/tasks', { description, bidding_window_ms: 150 });
  expect(posted.status).toBe(201);
  const taskId = posted.body?.task.task_id as string;
  for (let i = 0; i < 200; i++) {
    const body = (await call(s, 'GET', `/v1/tasks/${taskId}`)).body ?? {};
    if (['completed', 'failed', 'unassigned', 'expired'].includes(body.task?.status)) return body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`task ${taskId} did not finish`);
}

describe('tasks dispatched to A2A agents', () => {
  it.each([
    { shape: 'a 1.0 agent', options: {}, sent: 'SendMessage' },
    { shape: 'a 1.0 agent that streams', options: { streaming: true }, sent: 'SendStreamingMessage' },
    { shape: 'a 0.3 agent', options: { legacyCard: true }, sent: 'message/send' },
  ])(
    'sends the task to $shape, bids at its rate for it, and completes the task',
    async ({ options, sent }) => {
      const remote = await agent({ name: 'Polyglot', skills: [TRANSLATE], rateSats: 12, ...options });
      const s = await service();
      expect((await call(s, 'POST', '/v1/agents', { agent_card_url: remote.baseUrl })).status).toBe(201);
      const done = await runTask(s, 'Translate this contract into Spanish');
      expect(done.task).toMatchObject({
        status: 'completed',
        assigned_agent: 'polyglot:translate',
        bids: [{ agent_id: 'polyglot:translate', bid_sats: 12 }],
      });
      expect(remote.received).toEqual(['Translate this contract into Spanish']);
      expect(remote.methods[0]).toBe(sent);
      expect(done.decision.selected_skill).toMatchObject({ agent: 'polyglot', skill: 'translate' });
      // What the agent handed back is kept with the task.
      expect(done.result).toMatchObject({
        state: 'completed',
        artifacts: [
          {
            artifact_id: 'result',
            name: 'result',
            parts: [{ text: 'done: Translate this contract into Spanish' }],
          },
        ],
      });
      const stats = (await call(s, 'GET', '/v1/agents/polyglot:translate/stats')).body;
      expect(stats).toMatchObject({ completed: 1, failed: 0, accepted: 1 });
    },
  );

  it.each(['failed', 'rejected', 'canceled'] as const)(
    'offers a task its agent ended %s to the next candidate, and learns the failure',
    async (failState) => {
      const flaky = await agent({
        name: 'Cheap',
        skills: [TRANSLATE],
        rateSats: 5,
        failsAll: true,
        failState,
      });
      const good = await agent({ name: 'Solid', skills: [TRANSLATE], rateSats: 40 });
      const s = await service();
      await call(s, 'POST', '/v1/agents', { agent_card_url: flaky.baseUrl });
      await call(s, 'POST', '/v1/agents', { agent_card_url: good.baseUrl });
      const done = await runTask(s, 'Translate the letter into Italian');
      expect(done.task.status).toBe('completed');
      expect(done.task.assigned_agent).toBe('solid:translate');
      expect(done.task.failures).toBe(1);
      expect(done.result.artifacts[0].parts[0].text).toBe('done: Translate the letter into Italian');
      expect(flaky.received).toHaveLength(1);
      expect(good.received).toHaveLength(1);
      expect((await call(s, 'GET', '/v1/agents/cheap:translate/stats')).body).toMatchObject({ failed: 1 });
    },
  );

  it('times out an agent that does not answer within the reservation, and offers the task to the next', async () => {
    const slow = await agent({ name: 'Sleepy', skills: [TRANSLATE], rateSats: 1, silentMs: 3_000 });
    const good = await agent({ name: 'Solid', skills: [TRANSLATE], rateSats: 40 });
    const s = await startListeningService({
      db: tempDbPath(dir),
      roster: [],
      taskSettings: { reservationMs: 400 },
    });
    started.push(s);
    await call(s, 'POST', '/v1/agents', { agent_card_url: slow.baseUrl });
    await call(s, 'POST', '/v1/agents', { agent_card_url: good.baseUrl });
    const done = await runTask(s, 'Translate this contract into Dutch');
    expect(done.task).toMatchObject({ status: 'completed', assigned_agent: 'solid:translate' });
    expect(slow.received).toHaveLength(1);
    expect((await call(s, 'GET', '/v1/agents/sleepy:translate/stats')).body).toMatchObject({
      timed_out: 1,
      accepted: 0,
    });
  });

  it('works side by side with an agent on swarm-router/client: each takes the task that fits it', async () => {
    const remote = await agent({ name: 'Polyglot', skills: [TRANSLATE], rateSats: 12 });
    const s = await service();
    await call(s, 'POST', '/v1/agents', { agent_card_url: remote.baseUrl });
    const { client: coder } = await AgentClient.register(
      { baseUrl: s.url },
      {
        agent_id: 'coder',
        agent_name: 'Coder',
        capabilities: ['coding', 'debugging'],
        keywords: ['bug', 'parser'],
        rate_sats: 30,
        description: 'Fixes bugs in Python and TypeScript code',
      },
    );
    // The client agent as any would be written: it bids on what is posted and does what it wins.
    // From the first event on, so that no task is posted before it follows.
    const stop = new AbortController();
    const following = (async () => {
      for await (const event of coder.events({ signal: stop.signal, lastEventId: 0 })) {
        const taskId = event.data.task_id as string;
        if (event.kind === 'task:posted') await coder.bid(taskId, 30).catch(() => undefined);
        if (event.kind === 'task:assigned' && event.data.agent_id === 'coder') {
          await coder.accept(taskId);
          await coder.complete(taskId, 5, { fixed: true });
        }
      }
    })().catch(() => undefined);
    try {
      const coding = await runTask(s, 'Fix the bug in the parser code');
      expect(coding.task).toMatchObject({ status: 'completed', assigned_agent: 'coder' });
      expect(coding.result).toEqual({ fixed: true });
      const translation = await runTask(s, 'Translate this contract into Spanish');
      expect(translation.task).toMatchObject({ status: 'completed', assigned_agent: 'polyglot:translate' });
      expect(translation.task.bids.map((b: { agent_id: string }) => b.agent_id).sort()).toEqual([
        'coder',
        'polyglot:translate',
      ]);
      expect(remote.received).toEqual(['Translate this contract into Spanish']);
    } finally {
      stop.abort();
      await following;
    }
  });

  it('passes a task on when its agent cannot be reached', async () => {
    const gone = await agent({ name: 'Gone', skills: [TRANSLATE], rateSats: 1 });
    const good = await agent({ name: 'Solid', skills: [TRANSLATE], rateSats: 40 });
    const s = await service();
    await call(s, 'POST', '/v1/agents', { agent_card_url: gone.baseUrl });
    await call(s, 'POST', '/v1/agents', { agent_card_url: good.baseUrl });
    await gone.close();
    const done = await runTask(s, 'Translate this contract into Greek');
    expect(done.task, JSON.stringify(done.decision)).toMatchObject({
      status: 'completed',
      assigned_agent: 'solid:translate',
    });
    expect((await call(s, 'GET', '/v1/agents/gone:translate/stats')).body).toMatchObject({ rejected: 1 });
  });
});
