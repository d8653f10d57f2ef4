import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRouterError, RouterError } from '../kernel/errors.js';

/** The body of every error answer (DESIGN.md): `{"error": {"code", "message"}}`. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/**
 * Bad input never becomes a 500: RouterErrors keep their code and status, Fastify's own client errors
 * (malformed JSON or URL, body too large, wrong content type) are worded as ours, and only a fault of
 * ours answers 500 — logged with its stack, answered without it. Errors raised before routing
 * (`frameworkErrors`) and by Node's parser (connection-guard.ts) get the same envelope.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | RouterError, request, reply) =>
    sendError(error, request, reply),
  );
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`)),
  );
}

/** Fastify's `frameworkErrors` option: a URL it cannot decode, before any route or hook runs. */
export function frameworkErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  return sendError(error, request, reply);
}

function sendError(
  error: FastifyError | RouterError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const known = asRouterError(error);
  if (known !== undefined) {
    return reply.status(known.httpStatus).send(errorBody(known.code, known.message));
  }
  request.log.error({ err: error }, 'internal error');
  return reply.status(500).send(errorBody('internal', 'internal error (logged by the service)'));
}

function asRouterError(error: FastifyError | RouterError): RouterError | undefined {
  if (isRouterError(error)) return error;
  const fastifyError = error as FastifyError;
  const status = fastifyError.statusCode ?? 500;
  if (status === 413) {
    return new RouterError('payload_too_large', 'the request body is over the 1 MiB limit');
  }
  if (status === 415) {
    return new RouterError(
      'content_type_required',
      'the body must be JSON, sent with Content-Type: application/json',
    );
  }
  if (status >= 400 && status < 500) {
    const message =
      fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
        ? 'body is not valid JSON'
        : fastifyError.code === 'FST_ERR_BAD_URL'
          ? 'the URL is not valid: a path part is not percent-encoded UTF-8'
          : error.message;
    return new RouterError('invalid_request', message);
  }
  return undefined;
}
