import type { FastifyError, FastifyInstance } from 'fastify';
import { isRouterError, RouterError } from '../kernel/errors.js';

/** The body of every error answer (DESIGN.md): `{"error": {"code", "message"}}`. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/**
 * Bad input never becomes a 500: RouterErrors keep their code and status, Fastify's own client errors
 * (malformed JSON, body too large, wrong content type) are worded as ours, and only a fault of ours
 * answers 500 — logged with its stack, answered without it.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | RouterError, request, reply) => {
    const known = asRouterError(error);
    if (known !== undefined) {
      return reply.status(known.httpStatus).send(errorBody(known.code, known.message));
    }
    request.log.error({ err: error }, 'internal error');
    return reply.status(500).send(errorBody('internal', 'internal error (logged by the service)'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );
}

function asRouterError(error: FastifyError | RouterError): RouterError | undefined {
  if (isRouterError(error)) return error;
  const status = (error as FastifyError).statusCode ?? 500;
  if (status === 413) {
    return new RouterError('payload_too_large', 'the request body is over the 1 MiB limit');
  }
  if (status >= 400 && status < 500) {
    const message =
      (error as FastifyError).code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
        ? 'body is not valid JSON'
        : error.message;
    return new RouterError('invalid_request', message);
  }
  return undefined;
}
