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
import { A2aJsonRpc, agentStatus, cancelTask, textPart } from '../../src/a2a/a2a-serving.js';
import { RATE_EXTENSION_URI } from '../../src/a2a/agent-card.js';

/**
 * A real A2A agent for tests, built with @a2a-js/sdk's server (request handler, task store, JSON-RPC
 * transports of protocol 1.0 and 0.3) on Fastify: it publishes its card at the well-known path and
 * answers SendMessage / message/send. Its executor completes a task with the text "done: <task>" as
 * an artifact, or fails it when the task text starts with "fail". `setSkills` changes its card (what
 * a re-read sees); `legacyCard` serves a 0.3-shaped card instead, at the 0.x path too.
 */
export interface TestSkill {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly examples?: readonly string[];
}

export interface A2aTestAgent {
  readonly baseUrl: string;
  readonly cardUrl: string;
  /** Tasks the agent was sent, in order. */
  readonly received: string[];
  /** The JSON-RPC methods it was called with, in order (SendMessage, message/send, GetTask…). */
  readonly methods: string[];
  /** The `traceparent` header of each JSON-RPC call, in order (undefined where there was none). */
  readonly traceparents: (string | undefined)[];
  setSkills(skills: readonly TestSkill[]): void;
  /** Serve the card with this HTTP status instead (0 to serve it again). */
  failCardWith(status: number): void;
  close(): Promise<void>;
}

export interface A2aTestAgentOptions {
  readonly name?: string;
  readonly skills: readonly TestSkill[];
  readonly rateSats?: number;
  readonly streaming?: boolean;
  /** Publish a 0.3 card (top-level url, protocolVersion 0.3.0) instead of a 1.0 one. */
  readonly legacyCard?: boolean;
  /** Fail every task, whatever its text. */
  readonly failsAll?: boolean;
  /** The state a task it fails ends in (default failed): an agent may also reject or cancel one. */
  readonly failState?: 'failed' | 'rejected' | 'canceled';
  /** Answer nothing for this long after a task arrives (an agent too slow to take it), ms. */
  readonly silentMs?: number;
  /** Told when a task arrives and when its result is published (Date.now() ms): for benchmarks. */
  readonly onTask?: (moment: 'received' | 'finished', text: string, atMs: number) => void;
}

const FAIL_STATES = {
  failed: TaskState.TASK_STATE_FAILED,
  rejected: TaskState.TASK_STATE_REJECTED,
  canceled: TaskState.TASK_STATE_CANCELED,
} as const;

class ScriptedExecutor implements AgentExecutor {
  constructor(
    private readonly received: string[],
    private readonly failsAll: boolean,
    private readonly failState: TaskState,
    private readonly silentMs: number,
    private readonly onTask: A2aTestAgentOptions['onTask'],
  ) {}

  async execute(context: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const part = context.userMessage.parts[0];
    const text = part?.content?.$case === 'text' ? part.content.value : '';
    this.received.push(text);
    this.onTask?.('received', text, Date.now());
    if (this.silentMs > 0) await new Promise((resolve) => setTimeout(resolve, this.silentMs));
    const status = (state: TaskState, message?: string) => agentStatus(state, context, message);
    const ids = { taskId: context.taskId, contextId: context.contextId, metadata: undefined };
    if (context.task === undefined) {
      bus.publish(
        AgentEvent.task({
          id: context.taskId,
          contextId: context.contextId,
          status: status(TaskState.TASK_STATE_SUBMITTED),
          artifacts: [],
          history: [context.userMessage],
          metadata: undefined,
        }),
      );
    }
    bus.publish(AgentEvent.statusUpdate({ ...ids, status: status(TaskState.TASK_STATE_WORKING) }));
    if (this.failsAll || text.startsWith('fail')) {
      bus.publish(AgentEvent.statusUpdate({ ...ids, status: status(this.failState, 'could not do it') }));
      bus.finished();
      return;
    }
    bus.publish(
      AgentEvent.artifactUpdate({
        ...ids,
        append: false,
        lastChunk: true,
        artifact: {
          artifactId: 'result',
          name: 'result',
          description: '',
          metadata: undefined,
          extensions: [],
          parts: [textPart(`done: ${text}`)],
        },
      }),
    );
    this.onTask?.('finished', text, Date.now());
    bus.publish(AgentEvent.statusUpdate({ ...ids, status: status(TaskState.TASK_STATE_COMPLETED) }));
    bus.finished();
  }

  cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    return cancelTask(taskId, bus);
  }
}

export async function startA2aTestAgent(options: A2aTestAgentOptions): Promise<A2aTestAgent> {
  let skills = options.skills;
  let cardStatus = 0;
  const received: string[] = [];
  const methods: string[] = [];
  const traceparents: (string | undefined)[] = [];
  let base = '';
  const cardJson = (): Record<string, unknown> => {
    const rate =
      options.rateSats === undefined
        ? []
        : [
            {
              uri: RATE_EXTENSION_URI,
              description: 'price',
              required: false,
              params: { rate_sats: options.rateSats },
            },
          ];
    const skillJson = skills.map((s) => ({ ...s, tags: [...s.tags], examples: [...(s.examples ?? [])] }));
    if (options.legacyCard === true) {
      return {
        name: options.name ?? 'Test agent',
        description: 'An A2A agent for tests',
        version: '1.0.0',
        protocolVersion: '0.3.0',
        url: `${base}/a2a`,
        preferredTransport: 'JSONRPC',
        capabilities: { streaming: options.streaming ?? false, extensions: rate },
        defaultInputModes: ['text'],
        defaultOutputModes: ['text'],
        skills: skillJson,
      };
    }
    return AgentCard.toJSON(
      AgentCard.fromJSON({
        name: options.name ?? 'Test agent',
        description: 'An A2A agent for tests',
        version: '1.0.0',
        supportedInterfaces: [
          { url: `${base}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: A2A_PROTOCOL_VERSION },
        ],
        capabilities: { streaming: options.streaming ?? false, extensions: rate },
        defaultInputModes: ['text/plain'],
        defaultOutputModes: ['text/plain'],
        skills: skillJson,
      }),
    ) as Record<string, unknown>;
  };
  let rpc: A2aJsonRpc | undefined;

  // A task the agent is still sitting on (silentMs) must not hold the close of the test.
  const app: FastifyInstance = Fastify({ forceCloseConnections: true });
  const serveCard = async (_request: unknown, reply: { code(n: number): unknown }) => {
    if (cardStatus !== 0) {
      reply.code(cardStatus);
      return { error: 'card unavailable' };
    }
    return cardJson();
  };
  app.get(`/${AGENT_CARD_PATH}`, serveCard);
  if (options.legacyCard === true) app.get('/.well-known/agent.json', serveCard);
  app.post('/a2a', async (request, reply) => {
    methods.push(String((request.body as { method?: unknown } | undefined)?.method));
    const traceparent = request.headers.traceparent;
    traceparents.push(typeof traceparent === 'string' ? traceparent : undefined);
    const answer = await (rpc as A2aJsonRpc).answer(request.body, request.headers, reply.raw, () =>
      reply.hijack(),
    );
    return answer === undefined ? reply : answer;
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const handlerCard = AgentCard.fromJSON(
    options.legacyCard === true
      ? {
          ...cardJson(),
          supportedInterfaces: [{ url: `${base}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '0.3' }],
        }
      : cardJson(),
  );
  const requestHandler = new DefaultRequestHandler(
    handlerCard,
    new InMemoryTaskStore(),
    new ScriptedExecutor(
      received,
      options.failsAll === true,
      FAIL_STATES[options.failState ?? 'failed'],
      options.silentMs ?? 0,
      options.onTask,
    ),
  );
  rpc = new A2aJsonRpc(requestHandler, handlerCard);
  return {
    baseUrl: base,
    cardUrl: `${base}/${AGENT_CARD_PATH}`,
    received,
    methods,
    traceparents,
    setSkills(next) {
      skills = next;
    },
    failCardWith(status) {
      cardStatus = status;
    },
    close: () => app.close(),
  };
}
