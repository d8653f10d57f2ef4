import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { readCardRegistration } from '../../a2a/card-entries.js';
import { compareCodeUnits } from '../../kernel/compare.js';
import { RouterError } from '../../kernel/errors.js';
import { findPersona, manifestFromPersona } from '../../manifest/agent-registry.js';
import { readMcpRegistration } from '../../mcp/mcp-registration.js';
import { MAX_AGENT_CURSOR_LENGTH } from '../../service/agent-pages.js';
import {
  AgentIdParamsSchema,
  AgentRegistrationSchema,
  type PersonaRegistration,
  toAgentDto,
  toCardAgentDto,
} from '../../wire/agent-dto.js';
import { CARD_KEYS, type CardRegistration } from '../../wire/card-dto.js';
import { fromManifest, type ManifestDto, ManifestDtoSchema, toManifest } from '../../wire/manifest-dto.js';
import { MCP_KEYS, type McpRegistration } from '../../wire/mcp-dto.js';
import { toAgentStatsDto } from '../../wire/stats-dto.js';
import { LimitQuerySchema, pageLimit } from '../page-limit.js';
import type { ServiceContext } from '../service-context.js';
import { mcpServerDto } from './mcp-servers.js';

/** Every manifest field but the id, each optional: PATCH changes what it names. */
const ManifestPatchSchema = Type.Partial(Type.Omit(ManifestDtoSchema, ['agent_id']), {
  additionalProperties: false,
});

type AgentParams = { agent_id: string };

/** Agents a page holds unless the client asks for another number (at most MAX_PAGE_SIZE). */
const DEFAULT_AGENT_PAGE = 100;

/** Agents GET /v1/stats lists unless the client asks for another number. */
const DEFAULT_TOP = 10;

const TopStatsQuerySchema = Type.Object(
  {
    limit: LimitQuerySchema(DEFAULT_TOP),
  },
  { additionalProperties: false },
);

const AgentsQuerySchema = Type.Object(
  {
    limit: LimitQuerySchema(DEFAULT_AGENT_PAGE),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_AGENT_CURSOR_LENGTH })),
    q: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export function agentRoutes(
  app: FastifyInstance,
  { directory, cards, mcpServers, auth, router, events: eventLog, tasks }: ServiceContext,
): void {
  // A skill of an A2A agent changes with its card, and a tool of an MCP server with the server, not
  // by hand (a PATCH would be undone by the next read).
  const refuseCardEntry = async (agentId: string): Promise<void> => {
    await directory.resolve(agentId);
    const manifest = directory.has(agentId) ? directory.get(agentId).manifest : undefined;
    const tool = manifest?.mcp;
    if (tool !== undefined) {
      throw new RouterError(
        'mcp_managed',
        `agent '${agentId}' is the tool '${tool.tool}' of MCP server '${tool.server}': the server says what it is (POST /v1/mcp-servers/${tool.server}/refresh to list its tools again, DELETE /v1/mcp-servers/${tool.server} to remove it)`,
        { details: { agentId, server: tool.server } },
      );
    }
    const a2a = manifest?.a2a;
    if (a2a === undefined) return;
    throw new RouterError(
      'card_managed',
      `agent '${agentId}' is the skill '${a2a.skill}' of A2A agent '${a2a.agent}': its card says what it is (POST /v1/cards/${a2a.agent}/refresh to read it again, DELETE /v1/cards/${a2a.agent} to remove the agent)`,
      { details: { agentId, card: a2a.agent } },
    );
  };
  const asTheAgentOfThePath = auth.guard({
    actingAs: (request) => (request.params as Partial<AgentParams>).agent_id,
  });
  app.post(
    '/v1/agents',
    {
      ...auth.guard('admin'),
      schema: {
        summary:
          'Register an agent: a manifest, or {"persona", "agent_id"?} (the token is returned once); or an A2A agent by its card, {"agent_card_url" | "agent_card", "agent_id"?, "rate_sats"?}, whose skills become entries <agent_id>:<skill>; or an MCP server, {"mcp_url" | "mcp_command", "agent_id"?, "rate_sats"?}, whose tools become entries <agent_id>:<tool> ({"mcp_server"}).',
        body: AgentRegistrationSchema,
      },
    },
    async (request, reply) => {
      const body = request.body as ManifestDto | PersonaRegistration | CardRegistration | McpRegistration;
      if (MCP_KEYS.some((key) => Object.hasOwn(body, key))) {
        const { target, serverId, rateSats, where } = readMcpRegistration(body as McpRegistration);
        const added = await mcpServers.add(target, {
          rateSats,
          where,
          ...(serverId === undefined ? {} : { serverId }),
        });
        return reply
          .status(201)
          .send({ mcp_server: mcpServerDto(mcpServers, added.serverId, added.entries) });
      }
      if (CARD_KEYS.some((key) => Object.hasOwn(body, key))) {
        const { agentId, manifests } = await readCardRegistration(body as CardRegistration);
        const entries = await cards.add(agentId, manifests);
        return reply.status(201).send({ agent: toCardAgentDto(agentId, entries) });
      }
      const manifest =
        'persona' in body
          ? manifestFromPersona(findPersona(body.persona), body.agent_id ?? body.persona)
          : toManifest(body as ManifestDto, 'body');
      const { entry, token } = await directory.register(manifest);
      return reply.status(201).send({ agent: toAgentDto(entry), token });
    },
  );

  app.get(
    '/v1/agents',
    {
      ...auth.guard('reader'),
      schema: {
        summary:
          'Agents by id, a page at a time, with their status; q searches ids, names and capability tags. {"agents", "next_cursor", "total"}.',
        querystring: AgentsQuerySchema,
      },
    },
    async (request) => {
      const q = request.query as { limit?: string; cursor?: string; q?: string };
      const limit = pageLimit(q.limit, DEFAULT_AGENT_PAGE);
      const page = directory.page({
        limit,
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        ...(q.q === undefined ? {} : { search: q.q }),
      });
      return { agents: page.entries.map(toAgentDto), next_cursor: page.nextCursor, total: page.total };
    },
  );

  app.get(
    '/v1/agents/:agent_id',
    { ...auth.guard('reader'), schema: { summary: 'One agent.', params: AgentIdParamsSchema } },
    async (request) => {
      // As the store has it now: changed or removed through another instance a moment ago included.
      return { agent: toAgentDto(await directory.fresh((request.params as AgentParams).agent_id)) };
    },
  );

  app.patch(
    '/v1/agents/:agent_id',
    {
      ...asTheAgentOfThePath,
      schema: {
        summary: 'Change fields of a registered agent’s manifest (the agent itself, or the admin).',
        params: AgentIdParamsSchema,
        body: ManifestPatchSchema,
      },
    },
    async (request) => {
      const { agent_id: agentId } = request.params as AgentParams;
      await refuseCardEntry(agentId);
      const patch = request.body as Partial<ManifestDto>;
      // Merged onto the manifest as stored, which another instance may have changed since this one read it.
      const entry = await directory.update(agentId, (current) =>
        toManifest({ ...fromManifest(current), ...patch, agent_id: agentId }, 'body'),
      );
      return { agent: toAgentDto(entry) };
    },
  );

  app.delete(
    '/v1/agents/:agent_id',
    {
      ...asTheAgentOfThePath,
      schema: { summary: 'Deregister an agent; its decisions stay in the log.', params: AgentIdParamsSchema },
    },
    async (request, reply) => {
      const { agent_id: agentId } = request.params as AgentParams;
      await refuseCardEntry(agentId);
      await directory.remove(agentId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/v1/agents/:agent_id/heartbeat',
    {
      ...asTheAgentOfThePath,
      schema: {
        summary: 'The agent is alive: it stays (or comes back) online.',
        params: AgentIdParamsSchema,
      },
    },
    async (request) => ({
      agent: toAgentDto(await directory.heartbeat((request.params as AgentParams).agent_id)),
    }),
  );

  app.get(
    '/v1/stats',
    {
      ...auth.guard('reader'),
      schema: {
        summary:
          'The agents that won the most tasks (then by bids, then id), with their log counters; {"agents", "total"}.',
        querystring: TopStatsQuerySchema,
      },
    },
    async (request) => {
      const q = request.query as { limit?: string };
      const limit = pageLimit(q.limit, DEFAULT_TOP);
      const all = await router.allStats();
      const top = [...all]
        .sort((a, b) => b.tasksWon - a.tasksWon || b.bids - a.bids || compareCodeUnits(a.agentId, b.agentId))
        .slice(0, limit);
      return { agents: top.map(toAgentStatsDto), total: all.length };
    },
  );

  app.get(
    '/v1/agents/:agent_id/stats',
    {
      ...auth.guard('reader'),
      schema: { summary: 'Routing and outcome statistics of one agent.', params: AgentIdParamsSchema },
    },
    async (request) => {
      const { agent_id: agentId } = request.params as AgentParams;
      await directory.resolve(agentId);
      const entry = directory.get(agentId);
      const record = router.agentRecord(agentId);
      const events = await eventLog.countsOf(agentId);
      return {
        ...toAgentStatsDto(await router.stats(agentId)),
        status: entry.status,
        offered: events.get('task:assigned') ?? 0,
        accepted: events.get('task:accepted') ?? 0,
        rejected: events.get('task:rejected') ?? 0,
        timed_out: events.get('reservation:expired') ?? 0,
        current_load: tasks.inFlightOf(agentId),
        outcomes: record.outcomes,
        completed: record.completed,
        failed: record.failed,
        success_rate: record.successRate,
        avg_duration_ms: record.averageDurationMs ?? null,
      };
    },
  );
}
