import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  A2A_PROTOCOL_VERSION,
  AGENT_CARD_PATH,
  AgentCard,
  Extensions,
  formatSSEErrorEvent,
  formatSSEEvent,
  Role,
  SSE_HEADERS,
  TaskState,
} from '@a2a-js/sdk';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  defaultServerCallContextBuilder,
  type ExecutionEventBus,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  type RequestContext,
  UnauthenticatedUser,
  validateVersion,
} from '@a2a-js/sdk/server';
import Fastify, { type FastifyInstance } from 'fastify';
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
  /** Told when a task arrives and when its result is published (Date.now() ms): for benchmarks. */
  readonly onTask?: (moment: 'received' | 'finished', text: string, atMs: number) => void;
}

const textPart = (text: string) => ({
  content: { $case: 'text' as const, value: text },
  mediaType: 'text/plain',
  filename: '',
  metadata: undefined,
});

class ScriptedExecutor implements AgentExecutor {
  constructor(
    private readonly received: string[],
    private readonly failsAll: boolean,
    private readonly onTask: A2aTestAgentOptions['onTask'],
  ) {}

  async execute(context: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const part = context.userMessage.parts[0];
    const text = part?.content?.$case === 'text' ? part.content.value : '';
    this.received.push(text);
    this.onTask?.('received', text, Date.now());
    const status = (state: TaskState, message?: string) => ({
      state,
      timestamp: new Date().toISOString(),
      message:
        message === undefined
          ? undefined
          : {
              messageId: randomUUID(),
              contextId: context.contextId,
              taskId: context.taskId,
              role: Role.ROLE_AGENT,
              parts: [textPart(message)],
              metadata: undefined,
              extensions: [],
              referenceTaskIds: [],
            },
    });
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
      bus.publish(
        AgentEvent.statusUpdate({ ...ids, status: status(TaskState.TASK_STATE_FAILED, 'could not do it') }),
      );
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

  async cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    bus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId: '',
        status: {
          state: TaskState.TASK_STATE_CANCELED,
          timestamp: new Date().toISOString(),
          message: undefined,
        },
        metadata: undefined,
      }),
    );
    bus.finished();
  }
}

export async function startA2aTestAgent(options: A2aTestAgentOptions): Promise<A2aTestAgent> {
  let skills = options.skills;
  let cardStatus = 0;
  const received: string[] = [];
  const methods: string[] = [];
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
  let v1: JsonRpcTransportHandler | undefined;
  let v03: LegacyJsonRpcTransportHandler | undefined;
  let handlerCard: AgentCard | undefined;

  const app: FastifyInstance = Fastify();
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
    const version = (request.headers['a2a-version'] as string | undefined) ?? '0.3';
    const legacy = version === '0.3';
    const mapError = legacy
      ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError
      : JsonRpcTransportHandler.mapToJSONRPCError;
    const id = (request.body as { id?: unknown } | undefined)?.id ?? null;
    methods.push(String((request.body as { method?: unknown } | undefined)?.method));
    try {
      const context = defaultServerCallContextBuilder({
        user: new UnauthenticatedUser(),
        headers: request.headers as Record<string, string>,
        requestedVersion: version,
        extensions: Extensions.parseServiceParameter(
          request.headers[legacy ? 'x-a2a-extensions' : 'a2a-extensions'] as string | undefined,
        ),
      });
      validateVersion(context.requestedVersion, handlerCard as AgentCard, 'JSONRPC');
      const out = await (legacy
        ? (v03 as LegacyJsonRpcTransportHandler)
        : (v1 as JsonRpcTransportHandler)
      ).handle(request.body as Record<string, unknown>, context);
      if (typeof (out as AsyncGenerator)[Symbol.asyncIterator] !== 'function') return out;
      reply.hijack();
      reply.raw.writeHead(200, SSE_HEADERS);
      try {
        for await (const event of out as AsyncGenerator) reply.raw.write(formatSSEEvent(event));
      } catch (error) {
        reply.raw.write(formatSSEErrorEvent({ jsonrpc: '2.0', id, error: mapError(error as Error) }));
      }
      reply.raw.end();
      return reply;
    } catch (error) {
      return { jsonrpc: '2.0', id, error: mapError(error as Error) };
    }
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  handlerCard = AgentCard.fromJSON(
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
    new ScriptedExecutor(received, options.failsAll === true, options.onTask),
  );
  v1 = new JsonRpcTransportHandler(requestHandler);
  v03 = new LegacyJsonRpcTransportHandler(requestHandler);
  return {
    baseUrl: base,
    cardUrl: `${base}/${AGENT_CARD_PATH}`,
    received,
    methods,
    setSkills(next) {
      skills = next;
    },
    failCardWith(status) {
      cardStatus = status;
    },
    close: () => app.close(),
  };
}
