import { describe, expect, it } from 'vitest';
import { plainServers } from '../../test/helpers/plain-http-server.js';
import { limitedFetch } from './limited-fetch.js';

/** A hostile agent's answers: declared too large, chunked without end, or fine. */
const served = plainServers();
const serve = async (handler: Parameters<typeof served>[0]): Promise<string> => `${await served(handler)}/`;

describe('a fetch with a size limit', () => {
  it('passes an answer within the limit through unchanged', async () => {
    const url = await serve((_request, response) =>
      response.writeHead(201, { 'x-a': 'b' }).end('{"ok":true}'),
    );
    const answer = await limitedFetch(100)(url);
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-a')).toBe('b');
    expect(await answer.json()).toEqual({ ok: true });
  });

  it('refuses a declared length over the limit before reading the body', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': '5000000' });
      response.write('{');
    });
    await expect(limitedFetch(1000)(url)).rejects.toThrow(/answered 5000000 bytes, over the limit of 1000/);
  });

  it('stops a body that grows past the limit, however it is sent', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const write = () => {
        while (response.write(chunk)) {}
        response.once('drain', write);
      };
      write();
    });
    const answer = await limitedFetch(100_000)(url);
    await expect(answer.text()).rejects.toThrow(/went over the limit of 100000 bytes/);
  });
});
