import { describe, expect, it } from 'vitest';
import { plainServers } from '../../test/helpers/plain-http-server.js';
import { cardUrlsFor, fetchAgentCard } from './card-fetcher.js';

/** Hostile card servers: slow, endless, not JSON, moved, missing. */
const serve = plainServers();

const CARD = { name: 'Tiny', url: 'http://127.0.0.1:1/rpc', skills: [{ id: 's', name: 'S', tags: ['t'] }] };

describe('fetching an agent card', () => {
  it('looks at the 1.0 well-known path, then the 0.x one, unless the URL names a JSON file', async () => {
    expect(cardUrlsFor('https://a.example/agents/x', 'u')).toEqual([
      'https://a.example/agents/x/.well-known/agent-card.json',
      'https://a.example/agents/x/.well-known/agent.json',
    ]);
    expect(cardUrlsFor('https://a.example/card.json', 'u')).toEqual(['https://a.example/card.json']);
    const seen: string[] = [];
    const base = await serve((request, response) => {
      seen.push(request.url ?? '');
      if (request.url === '/.well-known/agent.json') response.end(JSON.stringify(CARD));
      else response.writeHead(404).end();
    });
    const fetched = await fetchAgentCard(base, 'agent_card_url');
    expect(fetched.cardUrl).toBe(`${base}/.well-known/agent.json`);
    expect(fetched.card.name).toBe('Tiny');
    expect(seen).toEqual(['/.well-known/agent-card.json', '/.well-known/agent.json']);
  });

  it('gives up on a server that does not answer, within the time limit', async () => {
    const base = await serve(() => {}); // never answers
    await expect(fetchAgentCard(base, 'agent_card_url', { timeoutMs: 200 })).rejects.toThrow(
      /could not be read: no answer within 200 ms/,
    );
  });

  it('stops reading a body over the size limit, declared or not', async () => {
    const endless = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const write = () => {
        while (response.write(chunk)) {}
        response.once('drain', write);
      };
      write();
    });
    await expect(fetchAgentCard(`${endless}/card.json`, 'u', { maxBytes: 100_000 })).rejects.toThrow(
      /over the limit of 100000 bytes/,
    );
    const declared = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': String(5_000_000) });
      response.write('{');
    });
    await expect(fetchAgentCard(`${declared}/card.json`, 'u')).rejects.toThrow(
      /5000000 bytes, over the limit/,
    );
  });

  it('names the URL and the reason for what is not a card', async () => {
    const html = await serve((_request, response) => response.end('<html>hello</html>'));
    await expect(fetchAgentCard(`${html}/card.json`, 'u')).rejects.toMatchObject({
      code: 'card_unavailable',
      message: expect.stringMatching(/card\.json could not be read: the answer is not JSON/),
    });
    const missing = await serve((_request, response) => response.writeHead(404).end());
    await expect(fetchAgentCard(missing, 'u')).rejects.toThrow(
      /not found at .*agent-card\.json nor at .*agent\.json/,
    );
    const bad = await serve((_request, response) => response.end(JSON.stringify({ ...CARD, skills: [] })));
    await expect(fetchAgentCard(`${bad}/c.json`, 'u')).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/c\.json\): skills must NOT have fewer than 1 items/),
    });
  });
});
