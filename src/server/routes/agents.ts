import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { findPersona, manifestFromPersona } from '../../manifest/agent-registry.js';
import {
  AgentIdParamsSchema,
  AgentRegistrationSchema,
  type PersonaRegistration,
  toAgentDto,
} from '../../wire/agent-dto.js';
import { fromManifest, type ManifestDto, ManifestDtoSchema, toManifest } from '../../wire/manifest-dto.js';
import { toAgentStatsDto } from '../../wire/stats-dto.js';
import type { ServiceContext } from '../service-context.js';

/** Every manifest field but the id, each optional: PATCH changes what it names. */
const ManifestPatchSchema = Type.Partial(Type.Omit(ManifestDtoSchema, ['agent_id']), {
  additionalProperties: false,
});

type AgentParams = { agent_id: string };

export function agentRoutes(
  app: FastifyInstance,
  { directory, auth, router, store, tasks }: ServiceContext,
): void {
  app.post(
    '/v1/agents',
    {
      schema: {
        summary: 'Register an agent: a manifest, or {"persona", "agent_id"?}. The token is returned once.',
        body: AgentRegistrationSchema,
      },
    },
    async (request, reply) => {
      auth.requireAdmin(request);
      const body = request.body as ManifestDto | PersonaRegistration;
      const manifest =
        'persona' in body
          ? manifestFromPersona(findPersona(body.persona), body.agent_id ?? body.persona)
          : toManifest(body, 'body');
      const { entry, token } = await directory.register(manifest);
      return reply.status(201).send({ agent: toAgentDto(entry), token });
    },
  );

  app.get('/v1/agents', { schema: { summary: 'Every agent, with its status.' } }, async (request) => {
    auth.requireReader(request);
    directory.refreshStatuses();
    return { agents: directory.list().map(toAgentDto) };
  });

  app.get(
    '/v1/agents/:agent_id',
    { schema: { summary: 'One agent.', params: AgentIdParamsSchema } },
    async (request) => {
      auth.requireReader(request);
      directory.refreshStatuses();
      return { agent: toAgentDto(directory.get((request.params as AgentParams).agent_id)) };
    },
  );

  app.patch(
    '/v1/agents/:agent_id',
    {
      schema: {
        summary: 'Change fields of a registered agent’s manifest (the agent itself, or the admin).',
        params: AgentIdParamsSchema,
        body: ManifestPatchSchema,
      },
    },
    async (request) => {
      const { agent_id: agentId } = request.params as AgentParams;
      auth.requireAgent(request, agentId);
      const current = fromManifest(directory.get(agentId).manifest);
      const merged = { ...current, ...(request.body as Partial<ManifestDto>), agent_id: agentId };
      return { agent: toAgentDto(await directory.update(toManifest(merged, 'body'))) };
    },
  );

  app.delete(
    '/v1/agents/:agent_id',
    {
      schema: { summary: 'Deregister an agent; its decisions stay in the log.', params: AgentIdParamsSchema },
    },
    async (request, reply) => {
      const { agent_id: agentId } = request.params as AgentParams;
      auth.requireAgent(request, agentId);
      await directory.remove(agentId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/v1/agents/:agent_id/heartbeat',
    {
      schema: {
        summary: 'The agent is alive: it stays (or comes back) online.',
        params: AgentIdParamsSchema,
      },
    },
    async (request) => {
      const { agent_id: agentId } = request.params as AgentParams;
      auth.requireAgent(request, agentId);
      return { agent: toAgentDto(await directory.heartbeat(agentId)) };
    },
  );

  app.get(
    '/v1/agents/:agent_id/stats',
    { schema: { summary: 'Routing and outcome statistics of one agent.', params: AgentIdParamsSchema } },
    async (request) => {
      auth.requireReader(request);
      const { agent_id: agentId } = request.params as AgentParams;
      directory.refreshStatuses();
      const entry = directory.get(agentId);
      const record = router.agentRecord(agentId);
      const events = await store.agentEventCounts(agentId);
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
