import type { FastifyInstance } from 'fastify';
import { RouterError } from '../kernel/errors.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A web page may send another site a POST without asking first only with a form-like content type
 * (or none) and no Authorization header; anything else needs a CORS preflight, which this service
 * refuses unless told otherwise. So a state-changing request must carry a token or say
 * `Content-Type: application/json` — even a heartbeat without a body — and no page can change state
 * here on the user's behalf. JSON bodies may be empty, so the header costs a body-less call nothing.
 */
export function installCrossSiteGuard(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, body as string, done);
  });

  app.addHook('onRequest', async (request) => {
    if (!STATE_CHANGING.has(request.method)) return;
    if (request.headers.authorization !== undefined) return;
    const type = request.headers['content-type'];
    const mediaType = (type ?? '').split(';', 1)[0]?.trim().toLowerCase();
    if (mediaType === 'application/json') return;
    throw new RouterError(
      'content_type_required',
      `${request.method} without a token needs Content-Type: application/json (even without a body); got ${
        type === undefined ? 'none' : JSON.stringify(type.slice(0, 100))
      }`,
    );
  });
}
