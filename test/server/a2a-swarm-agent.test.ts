import { randomUUID } from 'node:crypto';
import { AgentCard, SendMessageRequest, TaskState } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { describe, expect, it } from 'vitest';
import { readAgentCard } from '../../src/a2a/agent-card.js';
import { closedAfterEach, TRANSLATE_SKILL } from '../helpers/a2a-fixtures.js';
import { type A2aTestAgent, startA2aTestAgent } from '../helpers/a2a-test-agent.js';
import { type ListeningService, startListeningService } from '../helpers/listening-service.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * The swarm answers A2A: a client built with @a2a-js/sdk reads the swarm's card and sends it a
 * message; the swarm posts it as a task, routes it to an A2A agent of its own (a real SDK server),
 * and the agent's artifacts come back as the A2A task's, with the decision named in its metadata.
 */
const dir = tempDir();
const started = closedAfterEach();

const TRANSLATE = TRANSLATE_SKILL;

async function swarmWithOneAgent(
  adminToken?: string,
): Promise<{ s: ListeningService; remote: A2aTestAgent }> {
  const remote = await startA2aTestAgent({ name: 'Polyglot', skills: [TRANSLATE], rateSats: 12 });
  started.push(remote);
  const s = await startListeningService({
    db: tempDbPath(dir),
    roster: [],
    taskSettings: { defaultBiddingWindowMs: 500 },
    ...(adminToken ? { adminToken } : {}),
  });
  started.push(s);
  const added = await fetch(`${s.url}/v1/agents`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}),
    },
    body: JSON.stringify({ agent_card_url: remote.baseUrl }),
  });
  expect(added.status).toBe(201);
  return { s, remote };
}

const message = (text: string) =>
  SendMessageRequest.fromJSON({ message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text }] } });

describe('the swarm as an A2A agent', () => {
  it('publishes a card that A2A readers accept, pointing at its JSON-RPC endpoint', async () => {
    const { s } = await swarmWithOneAgent();
    const json = await (await fetch(`${s.url}/.well-known/agent-card.json`)).json();
    const card = readAgentCard(json, 'the swarm card');
    expect(card.endpoints).toEqual([{ url: `${s.url}/a2a`, binding: 'JSONRPC', protocolVersion: '1.0' }]);
    expect(card.skills[0]).toMatchObject({ id: 'route', tags: ['languages', 'translation'] });
    expect(AgentCard.fromJSON(json).name).toBe('swarm-router');
  });

  it('takes a message from an SDK client, has an agent of the swarm do it, and answers with its artifacts', async () => {
    const { s, remote } = await swarmWithOneAgent();
    const client = await new ClientFactory().createFromUrl(s.url);
    const answer = await client.sendMessage(message('Translate this contract into French'));
    expect('status' in answer).toBe(true);
    const task = answer as Extract<typeof answer, { status?: unknown }>;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const texts = task.artifacts.flatMap((a) =>
      a.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')),
    );
    expect(texts).toEqual(['done: Translate this contract into French']);
    expect(remote.received).toEqual(['Translate this contract into French']);
    expect(task.metadata).toMatchObject({
      swarm_router: {
        task_id: expect.any(String),
        decision_seq: 1,
        decision_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        agent: 'polyglot:translate',
        status: 'completed',
      },
    });
    // The swarm's own task and decision, named in the A2A task.
    const swarm = (await client.getTask({ id: task.id, tenant: '' } as never)).status?.message;
    expect(swarm?.parts[0]?.content).toEqual({ $case: 'text', value: 'done by polyglot:translate' });
    const tasks = (await (await fetch(`${s.url}/v1/tasks?status=completed`)).json()) as {
      tasks: { task_id: string; assigned_agent: string }[];
    };
    expect(tasks.tasks).toHaveLength(1);
    expect(tasks.tasks[0]?.assigned_agent).toBe('polyglot:translate');
  });

  it('answers message/send from a 0.3 client as it answers SendMessage', async () => {
    const { s, remote } = await swarmWithOneAgent();
    // A client that knows only protocol 0.3: the swarm's endpoint, as a 0.3 card would list it.
    const methods: string[] = [];
    const recording: typeof fetch = (input, init) => {
      methods.push(String(JSON.parse(String(init?.body ?? '{}')).method));
      return fetch(input, init);
    };
    const legacy = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new JsonRpcTransportFactory({ legacyCompat: { enabled: true }, fetchImpl: recording })],
      }),
    );
    const client = await legacy.createFromAgentCard(
      AgentCard.fromJSON({
        name: 'swarm-router',
        description: '',
        version: '0',
        supportedInterfaces: [{ url: `${s.url}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '0.3' }],
        capabilities: { streaming: false },
        defaultInputModes: ['text/plain'],
        defaultOutputModes: ['text/plain'],
        skills: [],
      }),
    );
    const answer = await client.sendMessage(message('Translate this contract into French'));
    expect(methods).toEqual(['message/send']);
    const task = answer as Extract<typeof answer, { status?: unknown }>;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(task.metadata).toMatchObject({
      swarm_router: { agent: 'polyglot:translate', status: 'completed' },
    });
    expect(remote.received).toEqual(['Translate this contract into French']);
  });

  it('streams the task to a client that asks for a stream', async () => {
    const { s } = await swarmWithOneAgent();
    const client = await new ClientFactory().createFromUrl(s.url);
    const states: string[] = [];
    for await (const event of client.sendMessageStream(message('Translate the letter into German'))) {
      const payload = event.payload;
      if (payload?.$case === 'statusUpdate')
        states.push(TaskState[payload.value.status?.state ?? 0] as string);
      if (payload?.$case === 'task') states.push(TaskState[payload.value.status?.state ?? 0] as string);
    }
    expect(states[0]).toBe('TASK_STATE_SUBMITTED');
    expect(states.at(-1)).toBe('TASK_STATE_COMPLETED');
  });

  it('rejects a message without text, and fails one no agent can take', async () => {
    const { s } = await swarmWithOneAgent();
    const client = await new ClientFactory().createFromUrl(s.url);
    const empty = await client.sendMessage(
      SendMessageRequest.fromJSON({
        message: { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ data: { x: 1 } }] },
      }),
    );
    expect((empty as { status?: { state?: TaskState } }).status?.state).toBe(TaskState.TASK_STATE_REJECTED);
    const nobody = await client.sendMessage(message('Bake a sourdough loaf'));
    expect((nobody as { status?: { state?: TaskState } }).status?.state).toBe(TaskState.TASK_STATE_FAILED);
  });

  it('takes messages only with the admin token when the service has one', async () => {
    const token = 'a2a-admin-token-0123456789abcdef0123456789';
    const { s } = await swarmWithOneAgent(token);
    expect((await fetch(`${s.url}/.well-known/agent-card.json`)).status).toBe(200);
    const card = (await (await fetch(`${s.url}/.well-known/agent-card.json`)).json()) as Record<
      string,
      unknown
    >;
    expect(card.securitySchemes).toEqual({
      bearer: { httpAuthSecurityScheme: expect.objectContaining({ scheme: 'Bearer' }) },
    });
    const anonymous = await fetch(`${s.url}/a2a`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: {} }),
    });
    expect(anonymous.status).toBe(401);
  });
});
