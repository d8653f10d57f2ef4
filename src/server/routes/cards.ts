import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { toCardAgentDto } from '../../wire/agent-dto.js';
import { AgentIdSchema } from '../../wire/manifest-dto.js';
import type { ServiceContext } from '../service-context.js';

/**
 * The A2A agents of the swarm, by the id they were registered under (`POST /v1/agents` with a card):
 * what their cards say, their skills' entries, and reading a card again or removing the agent.
 */
const CardParamsSchema = Type.Object({ agent_id: AgentIdSchema }, { additionalProperties: false });
type CardParams = { agent_id: string };

export function cardRoutes(app: FastifyInstance, { cards, auth }: ServiceContext): void {
  app.get(
    '/v1/cards',
    { ...auth.guard('reader'), schema: { summary: 'The A2A agents and their skills. {"agents"}.' } },
    async () => ({
      agents: [...cards.list()].map(([agentId, entries]) => toCardAgentDto(agentId, entries)),
    }),
  );

  app.get(
    '/v1/cards/:agent_id',
    { ...auth.guard('reader'), schema: { summary: 'One A2A agent.', params: CardParamsSchema } },
    async (request) => {
      const { agent_id: agentId } = request.params as CardParams;
      return { agent: toCardAgentDto(agentId, cards.entriesOf(agentId)) };
    },
  );

  app.post(
    '/v1/cards/:agent_id/refresh',
    {
      ...auth.guard('admin'),
      schema: {
        summary:
          'Read the agent’s card again from its URL and apply it: skills added, changed, dropped. {"agent", "added", "changed", "removed"}.',
        params: CardParamsSchema,
      },
    },
    async (request) => {
      const { agent_id: agentId } = request.params as CardParams;
      const change = await cards.refresh(agentId);
      return {
        agent: toCardAgentDto(agentId, change.entries),
        added: change.added,
        changed: change.changed,
        removed: change.removed,
      };
    },
  );

  app.delete(
    '/v1/cards/:agent_id',
    {
      ...auth.guard('admin'),
      schema: {
        summary: 'Remove an A2A agent and its skills; their decisions stay in the log.',
        params: CardParamsSchema,
      },
    },
    async (request, reply) => {
      await cards.remove((request.params as CardParams).agent_id);
      return reply.status(204).send();
    },
  );
}
