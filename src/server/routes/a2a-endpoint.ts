import {
  AGENT_CARD_PATH,
  AgentCard,
  Extensions,
  formatSSEErrorEvent,
  formatSSEEvent,
  SSE_HEADERS,
} from '@a2a-js/sdk';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import {
  DefaultRequestHandler,
  defaultServerCallContextBuilder,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  UnauthenticatedUser,
  validateVersion,
} from '@a2a-js/sdk/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SwarmAgentExecutor, swarmCard } from '../../a2a/swarm-agent.js';
import { packageVersion } from '../../kernel/package-version.js';
import type { ServiceContext } from '../service-context.js';

/**
 * The swarm as an A2A agent (a2a/swarm-agent.ts): its card at the well-known path, and A2A's
 * JSON-RPC at /a2a (protocol 1.0, and 0.3 for older clients), answered by @a2a-js/sdk's request
 * handler. Sending it a message posts a task, so it takes the admin token as POST /v1/tasks does.
 */
export const A2A_ENDPOINT_PATH = '/a2a';

export function a2aEndpointRoutes(
  app: FastifyInstance,
  { router, tasks, bus, auth }: ServiceContext,
  options: { readonly adminToken: boolean },
): void {
  const version = packageVersion();
  const cardFor = (request: FastifyRequest): AgentCard =>
    swarmCard(router, {
      url: `${request.protocol}://${request.headers.host ?? '127.0.0.1'}${A2A_ENDPOINT_PATH}`,
      version,
      adminToken: options.adminToken,
    });
  // The handler's own card is for what it checks (capabilities); clients get cardFor's, with their host.
  const handlerCard = swarmCard(router, {
    url: `http://127.0.0.1${A2A_ENDPOINT_PATH}`,
    version,
    adminToken: options.adminToken,
  });
  const executor = new SwarmAgentExecutor({ tasks, bus, router });
  // Closing waits for requests in flight; a message waiting for its task would hold it for long.
  app.addHook('preClose', async () => executor.stop());
  const handler = new DefaultRequestHandler(handlerCard, new InMemoryTaskStore(), executor);
  const v1 = new JsonRpcTransportHandler(handler);
  const v03 = new LegacyJsonRpcTransportHandler(handler);

  app.get(
    `/${AGENT_CARD_PATH}`,
    { ...auth.guard('public'), schema: { summary: 'The swarm as an A2A agent: its Agent Card.' } },
    async (request) => AgentCard.toJSON(cardFor(request)),
  );

  app.post(
    A2A_ENDPOINT_PATH,
    {
      ...auth.guard('admin'),
      schema: {
        summary:
          'A2A JSON-RPC (SendMessage, SendStreamingMessage, GetTask, CancelTask; message/send for 0.3 clients): a message becomes a task of the swarm.',
      },
    },
    async (request, reply) => {
      // The SDK's convention: a request without A2A-Version speaks 0.3.
      const requested = (request.headers['a2a-version'] as string | undefined) ?? '0.3';
      const legacy = requested === '0.3';
      const mapError = legacy
        ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError
        : JsonRpcTransportHandler.mapToJSONRPCError;
      const id = (request.body as { id?: unknown } | null)?.id ?? null;
      try {
        const context = defaultServerCallContextBuilder({
          user: new UnauthenticatedUser(),
          headers: request.headers as Record<string, string>,
          requestedVersion: requested,
          extensions: Extensions.parseServiceParameter(
            request.headers[legacy ? 'x-a2a-extensions' : 'a2a-extensions'] as string | undefined,
          ),
        });
        validateVersion(context.requestedVersion, handlerCard, 'JSONRPC');
        const out = await (legacy ? v03 : v1).handle(request.body as Record<string, unknown>, context);
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
    },
  );
}
