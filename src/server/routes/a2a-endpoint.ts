import { AGENT_CARD_PATH, AgentCard } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore } from '@a2a-js/sdk/server';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { A2aJsonRpc } from '../../a2a/a2a-serving.js';
import { SwarmAgentExecutor, swarmCard } from '../../a2a/swarm-agent.js';
import { packageVersion } from '../../kernel/package-version.js';
import type { ServiceContext } from '../service-context.js';

/**
 * The swarm as an A2A agent (a2a/swarm-agent.ts): its card at the well-known path, and A2A's
 * JSON-RPC at /a2a (protocol 1.0, and 0.3 for older clients), answered by @a2a-js/sdk's request
 * handler. Sending it a message posts a task, so it takes the admin token as POST /v1/tasks does.
 */
export const A2A_ENDPOINT_PATH = '/a2a';
const CARD_TTL_MS = 1_000;
/** What a client that sends no A2A-Version speaks (a2a-serving.ts). */
const LEGACY_PROTOCOL_VERSION = '0.3';
/** Hosts are those the host check lets through, so few; a bound all the same. */
const MAX_CACHED_HOSTS = 16;

export function a2aEndpointRoutes(
  app: FastifyInstance,
  { router, tasks, bus, auth }: ServiceContext,
  options: { readonly adminToken: boolean },
): void {
  const version = packageVersion();
  const cards = new Map<string, { atMs: number; json: unknown }>();
  const cardFor = (request: FastifyRequest): AgentCard =>
    swarmCard(router, {
      url: `${request.protocol}://${request.headers.host ?? '127.0.0.1'}${A2A_ENDPOINT_PATH}`,
      version,
      adminToken: options.adminToken,
    });
  // The handler's own card is for what it checks (capabilities, the protocol versions it answers);
  // clients get cardFor's, with their host. It lists 0.3 too: the SDK refuses any version its card
  // does not list, and 0.3 clients (message/send) send none.
  const handlerCard = withLegacyInterface(
    swarmCard(router, {
      url: `http://127.0.0.1${A2A_ENDPOINT_PATH}`,
      version,
      adminToken: options.adminToken,
    }),
  );
  const executor = new SwarmAgentExecutor({ tasks, bus, router });
  // Closing waits for requests in flight; a message waiting for its task would hold it for long.
  app.addHook('preClose', async () => executor.stop());
  const rpc = new A2aJsonRpc(
    new DefaultRequestHandler(handlerCard, new InMemoryTaskStore(), executor),
    handlerCard,
  );

  app.get(
    `/${AGENT_CARD_PATH}`,
    { ...auth.guard('public'), schema: { summary: 'The swarm as an A2A agent: its Agent Card.' } },
    async (request) => {
      // Public, and a pass over every agent's tags: made at most once a second for each host asked for.
      const host = request.headers.host ?? '';
      const now = Date.now();
      const cached = cards.get(host);
      if (cached !== undefined && now - cached.atMs < CARD_TTL_MS) return cached.json;
      const json = AgentCard.toJSON(cardFor(request));
      if (cards.size >= MAX_CACHED_HOSTS) cards.clear();
      cards.set(host, { atMs: now, json });
      return json;
    },
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
      const answer = await rpc.answer(request.body, request.headers, reply.raw, () => reply.hijack());
      return answer === undefined ? reply : answer;
    },
  );
}

function withLegacyInterface(card: AgentCard): AgentCard {
  const json = AgentCard.toJSON(card) as { supportedInterfaces: { url: string }[] };
  const url = json.supportedInterfaces[0]?.url ?? A2A_ENDPOINT_PATH;
  return AgentCard.fromJSON({
    ...json,
    supportedInterfaces: [
      ...json.supportedInterfaces,
      { url, protocolBinding: 'JSONRPC', protocolVersion: LEGACY_PROTOCOL_VERSION },
    ],
  });
}
