import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { A2A_PROTOCOL_VERSION, AGENT_CARD_PATH, AgentCard, TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  type ExecutionEventBus,
  InMemoryTaskStore,
  type RequestContext,
} from '@a2a-js/sdk/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { A2aJsonRpc, agentStatus, cancelTask, textPart } from '../a2a/a2a-serving.js';
import { RATE_EXTENSION_URI } from '../a2a/agent-card.js';

/**
 * The demo's A2A agent: a translator and summariser served by the demo itself on a loopback port,
 * built with @a2a-js/sdk's server like any A2A agent, so `serve --demo` shows a swarm where an A2A
 * agent is routed to, sent its task and heard back from beside the personas. Its work is canned
 * (it says what it would do after a short delay): it shows the protocol, not a model.
 */

export interface DemoA2aAgent {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

const SKILLS = [
  {
    id: 'translate',
    name: 'Translate',
    description: 'Translates documents, release notes and messages between languages',
    tags: ['translation', 'languages', 'localization'],
    examples: ['Translate the release notes into French', 'Translate this contract into German'],
  },
  {
    id: 'summarize',
    name: 'Summarise',
    description: 'Summarises long documents, reports and threads into key points',
    tags: ['summarization', 'writing'],
    examples: ['Summarise the quarterly report', 'Give me the key points of this thread'],
  },
];

class CannedWork implements AgentExecutor {
  constructor(private readonly workMs: () => number) {}

  async execute(context: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const ids = { taskId: context.taskId, contextId: context.contextId, metadata: undefined };
    const task = context.userMessage.parts
      .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
      .join(' ');
    bus.publish(
      AgentEvent.task({
        id: context.taskId,
        contextId: context.contextId,
        status: agentStatus(TaskState.TASK_STATE_WORKING, context),
        artifacts: [],
        history: [context.userMessage],
        metadata: undefined,
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, this.workMs()));
    const skill = /translat/i.test(task) ? 'translation' : 'summary';
    bus.publish(
      AgentEvent.artifactUpdate({
        ...ids,
        append: false,
        lastChunk: true,
        artifact: {
          artifactId: randomUUID(),
          name: skill,
          description: '',
          metadata: undefined,
          extensions: [],
          parts: [textPart(`[demo ${skill}] ${task}`)],
        },
      }),
    );
    bus.publish(
      AgentEvent.statusUpdate({
        ...ids,
        status: agentStatus(TaskState.TASK_STATE_COMPLETED, context),
      }),
    );
    bus.finished();
  }

  cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    return cancelTask(taskId, bus);
  }
}

/** Starts the demo's A2A agent on 127.0.0.1 (a free port); work takes `workMs()` ms. */
export async function startDemoA2aAgent(workMs: () => number): Promise<DemoA2aAgent> {
  let rpc: A2aJsonRpc | undefined;
  let card: AgentCard | undefined;
  // Fastify reads and bounds the JSON-RPC body (1 MiB); a task still being worked on does not hold
  // the demo's stop.
  const app: FastifyInstance = Fastify({ bodyLimit: 1024 * 1024, forceCloseConnections: true });
  app.get(`/${AGENT_CARD_PATH}`, async () => AgentCard.toJSON(card as AgentCard));
  app.post('/a2a', async (request, reply) => {
    const answer = await (rpc as A2aJsonRpc).answer(request.body, request.headers, reply.raw, () =>
      reply.hijack(),
    );
    return answer === undefined ? reply : answer;
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  card = AgentCard.fromJSON({
    name: 'Demo Linguist',
    description: 'The demo swarm’s A2A agent: translations and summaries (canned, for the demo)',
    version: '1.0.0',
    supportedInterfaces: [
      { url: `${baseUrl}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: A2A_PROTOCOL_VERSION },
    ],
    capabilities: {
      streaming: false,
      extensions: [
        { uri: RATE_EXTENSION_URI, description: 'price', required: false, params: { rate_sats: 35 } },
      ],
    },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: SKILLS,
  });
  rpc = new A2aJsonRpc(
    new DefaultRequestHandler(card, new InMemoryTaskStore(), new CannedWork(workMs)),
    card,
  );
  return { baseUrl, stop: () => app.close() };
}
