import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
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
import { A2aJsonRpc, cancelTask, textPart } from '../a2a/a2a-serving.js';
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
    const now = () => new Date().toISOString();
    bus.publish(
      AgentEvent.task({
        id: context.taskId,
        contextId: context.contextId,
        status: { state: TaskState.TASK_STATE_WORKING, timestamp: now(), message: undefined },
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
        status: { state: TaskState.TASK_STATE_COMPLETED, timestamp: now(), message: undefined },
      }),
    );
    bus.finished();
  }

  cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    return cancelTask(taskId, bus);
  }
}

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new Error('request body over 1 MiB');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Starts the demo's A2A agent on 127.0.0.1 (a free port); work takes `workMs()` ms. */
export async function startDemoA2aAgent(workMs: () => number): Promise<DemoA2aAgent> {
  let rpc: A2aJsonRpc | undefined;
  let card: AgentCard | undefined;
  const server: Server = createServer((request, response) => {
    void (async () => {
      if (request.method === 'GET' && request.url === `/${AGENT_CARD_PATH}`) {
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(AgentCard.toJSON(card as AgentCard)));
        return;
      }
      if (request.method !== 'POST' || request.url !== '/a2a') {
        response.writeHead(404).end();
        return;
      }
      let body: unknown;
      try {
        body = await bodyOf(request);
      } catch (error) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end((error as Error).message);
        return;
      }
      const answer = await (rpc as A2aJsonRpc).answer(body, request.headers, response);
      if (answer !== undefined)
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
  return {
    baseUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
