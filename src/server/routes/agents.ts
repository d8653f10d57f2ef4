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
  { directory, auth, router, events: eventLog, tasks }: ServiceContext,
): void {
  const asTheAgentOfThePath = auth.guard({
    actingAs: (request) => (request.params as Partial<AgentParams>).agent_id,
  });
  app.post(
    '/v1/agents',
    {
      ...auth.guard('admin'),
      schema: {
        summary: 'Register an agent: a manifest, or {"persona", "agent_id"?}. The token is returned once.',
        body: AgentRegistrationSchema,
      },
    },
    async (request, reply) => {
      const body = request.body as ManifestDto | PersonaRegistration;
      const manifest =
        'persona' in body
          ? manifestFromPersona(findPersona(body.persona), body.agent_id ?? body.persona)
          : toManifest(body, 'body');
      const { entry, token } = await directory.register(manifest);
      return reply.status(201).send({ agent: toAgentDto(entry), token });
    },
  );

  app.get(
    '/v1/agents',
    { ...auth.guard('reader'), schema: { summary: 'Every agent, with its status.' } },
    async () => {
      directory.refreshStatuses();
      return { agents: directory.list().map(toAgentDto) };
    },
  );

  app.get(
    '/v1/agents/:agent_id',
    { ...auth.guard('reader'), schema: { summary: 'One agent.', params: AgentIdParamsSchema } },
    async (request) => {
      directory.refreshStatuses();
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
      await directory.remove((request.params as AgentParams).agent_id);
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
    '/v1/agents/:agent_id/stats',
    {
      ...auth.guard('reader'),
      schema: { summary: 'Routing and outcome statistics of one agent.', params: AgentIdParamsSchema },
    },
    async (request) => {
      const { agent_id: agentId } = request.params as AgentParams;
      directory.refreshStatuses();
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
