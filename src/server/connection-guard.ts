import { type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CODES, type ErrorCode } from '../kernel/errors.js';
import { errorBody } from './error-handling.js';

/**
 * Caps the connections one remote address holds open: each costs a file descriptor, and a client
 * that opens hundreds and sends nothing (or a byte a minute) would otherwise exhaust them before any
 * timeout fires. A connection over the cap is closed at once, before anything is read from it.
 */
export function capConnectionsPerAddress(server: Server, perAddress: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * Node's own answers to a request it could not parse or that ran out of time (before Fastify sees
 * it), in the service's error envelope rather than Node's or Fastify's own bodies.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, message]: [ErrorCode, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? ['request_timeout', 'the request did not arrive in time; the connection is closed']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? ['headers_too_large', 'the request headers are over the 16 KiB limit']
        : ['invalid_request', `the request is not valid HTTP (${error.code ?? 'parse error'})`];
  const status = ERROR_CODES[code].httpStatus;
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
