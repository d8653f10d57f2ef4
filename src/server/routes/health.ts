import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../service-context.js';

export function healthRoutes(app: FastifyInstance, { router, metrics }: ServiceContext): void {
  // Reads the store, so a service whose database went away answers 503 (store_unavailable).
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness: the service answers and its store reads.' } },
    async () => ({
      status: 'ok',
      decisions: await router.countDecisions(),
    }),
  );

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (text exposition format).' } },
    async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
