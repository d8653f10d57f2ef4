import { afterEach, describe, expect, it } from 'vitest';
import { MAX_AGENT_ID_LENGTH } from '../../src/manifest/manifest.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';
import { manifestBody, type Service, startService } from './service-harness.js';

const dir = tempDir();
const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});
const start = async () => {
  const service = await startService({ db: tempDbPath(dir), roster: [] });
  services.push(service);
  return service;
};
const idsOf = (page: { agents: { agent_id: string }[] }) => page.agents.map((a) => a.agent_id);

describe('GET /v1/agents at the edges of ids and queries', () => {
  it('pages past an id of the longest astral text: the cursor it issues is one it accepts', async () => {
    const service = await start();
    const longest = '😀'.repeat(MAX_AGENT_ID_LENGTH);
    const ids = ['a', longest, '\uFFFF'];
    for (const id of ids) {
      expect(
        (await service.call({ method: 'POST', url: '/v1/agents', payload: manifestBody(id) })).status,
      ).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/agents?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`;
      const response = await service.call({ method: 'GET', url });
      expect(response.status, response.body.slice(0, 200)).toBe(200);
      seen.push(...idsOf(response.json()));
      cursor = response.json().next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(ids);
  });

  it('searches in normal form: a decomposed query finds a composed id, and the other way round', async () => {
    const service = await start();
    // The id is stored composed; the name and tag as sent, decomposed.
    const body = {
      ...manifestBody('caf\u00e9'),
      agent_name: 'Z',
      capabilities: ['r\u0065\u0301sum\u0065\u0301'],
    };
    expect((await service.call({ method: 'POST', url: '/v1/agents', payload: body })).status).toBe(201);
    for (const q of ['caf\u0065\u0301', 'caf\u00e9', 'CAF\u00c9', 'r\u00e9sum\u00e9']) {
      const found = await service.call({ method: 'GET', url: `/v1/agents?q=${encodeURIComponent(q)}` });
      expect(idsOf(found.json()), JSON.stringify(q)).toEqual(['caf\u00e9']);
    }
  });

  it.each(['limit=1.0', 'limit=', 'limit=-1', 'limit=%2B1', 'limit=abc'])(
    'a limit that is not digits (%s) is a 400 naming limit and the value, not control characters',
    async (query) => {
      const service = await start();
      for (const path of ['/v1/agents', '/v1/stats', '/v1/decisions', '/v1/tasks']) {
        const bad = await service.call({ method: 'GET', url: `${path}?${query}` });
        expect(bad.status, path).toBe(400);
        const message: string = bad.json().error.message;
        expect(message, path).toMatch(/^query: limit /);
        expect(message, path).not.toContain('control characters');
        expect(message, path).toContain('got "');
      }
    },
  );
});
