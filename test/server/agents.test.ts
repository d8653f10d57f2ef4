import { afterEach, describe, expect, it } from 'vitest';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';
import {
  ADMIN_TOKEN,
  manifestBody,
  OFFLINE_AFTER_MS,
  type Service,
  startService,
} from './service-harness.js';

const dir = tempDir();
const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});
const start = async (options: Parameters<typeof startService>[0]) => {
  const service = await startService(options);
  services.push(service);
  return service;
};

describe('service: agents', () => {
  it('registers a manifest or a persona, shows the token once, and refuses a second registration', async () => {
    const service = await start({ db: tempDbPath(dir) });
    const created = await service.call({
      method: 'POST',
      url: '/v1/agents',
      payload: manifestBody('sentry'),
    });
    expect(created.status).toBe(201);
    expect(created.json().agent).toMatchObject({
      agent_id: 'sentry',
      source: 'registered',
      status: 'online',
    });
    expect(created.json().token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const persona = await service.call({
      method: 'POST',
      url: '/v1/agents',
      payload: { persona: 'mace', agent_id: 'mace-1' },
    });
    expect(persona.status).toBe(201);
    expect(persona.json().agent).toMatchObject({ agent_id: 'mace-1', agent_name: 'Mace', rate_sats: 75 });

    const listed = await service.call({ method: 'GET', url: '/v1/agents' });
    // By id, not registration order: a page's cursor is the last id it returned.
    expect(listed.json().agents.map((a: { agent_id: string }) => a.agent_id)).toEqual([
      'echo',
      'forge',
      'mace-1',
      'quill',
      'sentry',
    ]);
    expect(listed.json()).toMatchObject({ next_cursor: null, total: 5 });
    expect(listed.body).not.toContain(created.json().token);

    const again = await service.call({ method: 'POST', url: '/v1/agents', payload: manifestBody('sentry') });
    expect(again.status).toBe(409);
    expect(again.json().error.code).toBe('agent_exists');
  });

  it('pages the agents with cursors and searches them; a bad limit or cursor is a 400 naming it', async () => {
    const service = await start({ db: tempDbPath(dir) });
    for (const id of ['db-1', 'db-2', 'web-1']) {
      expect(
        (await service.call({ method: 'POST', url: '/v1/agents', payload: manifestBody(id) })).status,
      ).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const page = (await service.call({ method: 'GET', url: `/v1/agents?limit=2${query}` })).json();
      expect(page.agents.length).toBeLessThanOrEqual(2);
      expect(page.total).toBe(6);
      seen.push(...page.agents.map((a: { agent_id: string }) => a.agent_id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(['db-1', 'db-2', 'echo', 'forge', 'quill', 'web-1']);

    const found = (await service.call({ method: 'GET', url: '/v1/agents?q=DB-' })).json();
    expect(found.agents.map((a: { agent_id: string }) => a.agent_id)).toEqual(['db-1', 'db-2']);
    expect(found.total).toBe(2);

    const routed = await service.call({
      method: 'POST',
      url: '/v1/route',
      payload: {
        description: 'anything',
        bids: ['db-1', 'db-2', 'web-1'].map((agent_id) => ({ agent_id, bid_sats: 10 })),
      },
    });
    const winner = routed.json().selected_agent;
    const top = (await service.call({ method: 'GET', url: '/v1/stats?limit=2' })).json();
    expect(top.agents).toHaveLength(2);
    expect(top.total).toBe(6); // all six were considered: a roster this small is kept whole
    // The winner first, if any; else the bidders by id.
    expect(top.agents[0].agent_id).toBe(winner ?? 'db-1');
    expect((await service.call({ method: 'GET', url: '/v1/stats?limit=0' })).status).toBe(400);

    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=5000', 'limit'],
      ['cursor=%F0%9F%9A%80', 'cursor'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      [`q=${'x'.repeat(201)}`, 'q'],
      ['sort=id', 'sort'],
    ] as const) {
      const bad = await service.call({ method: 'GET', url: `/v1/agents?${query}` });
      expect(bad.status, query).toBe(400);
      expect(JSON.stringify(bad.json().error), query).toContain(field);
    }
  });

  it.each([
    [
      'a bad field',
      manifestBody('x', { rate_sats: -1 }),
      400,
      'invalid_request',
      'body: rate_sats must be >= 0 (got -1)',
    ],
    [
      'an unknown field',
      manifestBody('x', { colour: 'red' }),
      400,
      'invalid_request',
      'body: colour is not a known field',
    ],
    [
      'a blank tag',
      manifestBody('x', { capabilities: ['  '] }),
      400,
      'invalid_manifest',
      'body: capabilities[0] must be a non-empty string (got "  ")',
    ],
    [
      'an unknown persona',
      { persona: 'nobody' },
      400,
      'unknown_persona',
      "unknown persona 'nobody' (known personas: echo, mace, helm, seer, forge, quill)",
    ],
    [
      'a persona with extra fields',
      { persona: 'mace', rate_sats: 1 },
      400,
      'invalid_request',
      'body: rate_sats is not a known field',
    ],
  ])('refuses %s, naming it, and stores nothing', async (_, payload, status, code, message) => {
    const db = tempDbPath(dir);
    const service = await start({ db });
    const response = await service.call({ method: 'POST', url: '/v1/agents', payload });
    expect(response.status).toBe(status);
    expect(response.json()).toEqual({ error: { code, message } });
    expect((await service.call({ method: 'GET', url: '/v1/agents' })).json().agents).toHaveLength(3);
  });

  it('changes, heartbeats and removes a registered agent; roster agents are changed in their file', async () => {
    const service = await start({ db: tempDbPath(dir) });
    await service.call({ method: 'POST', url: '/v1/agents', payload: manifestBody('sentry') });
    const patched = await service.call({
      method: 'PATCH',
      url: '/v1/agents/sentry',
      payload: { rate_sats: 55, keywords: ['intrusion'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.json().agent).toMatchObject({
      rate_sats: 55,
      keywords: ['intrusion'],
      capabilities: ['security'],
    });
    const bad = await service.call({
      method: 'PATCH',
      url: '/v1/agents/sentry',
      payload: { agent_id: 'other' },
    });
    expect(bad.json().error.message).toBe('body: agent_id is not a known field');

    const roster = await service.call({
      method: 'PATCH',
      url: '/v1/agents/forge',
      payload: { rate_sats: 1 },
    });
    expect(roster.status).toBe(409);
    expect(roster.json().error.code).toBe('agent_not_managed');

    expect((await service.call({ method: 'DELETE', url: '/v1/agents/sentry' })).status).toBe(204);
    const gone = await service.call({ method: 'GET', url: '/v1/agents/sentry' });
    expect(gone.status).toBe(404);
    expect(gone.json().error.code).toBe('unknown_agent');
  });

  it('takes a registered agent offline when it misses heartbeats, and routes nothing to it then', async () => {
    const service = await start({ db: tempDbPath(dir) });
    await service.call({ method: 'POST', url: '/v1/agents', payload: manifestBody('sentry') });
    const route = () =>
      service.call({
        method: 'POST',
        url: '/v1/route',
        payload: { description: 'audit the firewall', bids: [{ agent_id: 'sentry', bid_sats: 10 }] },
      });
    expect((await route()).json().selected_agent).toBe('sentry');

    service.clock.advance(OFFLINE_AFTER_MS + 1);
    const status = await service.call({ method: 'GET', url: '/v1/agents/sentry' });
    expect(status.json().agent.status).toBe('offline');
    expect((await service.call({ method: 'GET', url: '/v1/agents/forge' })).json().agent.status).toBe(
      'online',
    );
    const refused = (await route()).json();
    expect(refused.selected_agent).toBeNull();
    expect(refused.selection_reason).toContain('offline');

    const beat = await service.call({ method: 'POST', url: '/v1/agents/sentry/heartbeat' });
    expect(beat.json().agent.status).toBe('online');
    expect((await route()).json().selected_agent).toBe('sentry');
  });

  it('knows its registered agents again after a restart, tokens included', async () => {
    const db = tempDbPath(dir);
    const first = await start({ db, adminToken: ADMIN_TOKEN });
    const created = await first.call({
      method: 'POST',
      url: '/v1/agents',
      payload: manifestBody('sentry'),
      token: ADMIN_TOKEN,
    });
    const token = created.json().token as string;
    await first.close();
    services.splice(services.indexOf(first), 1);

    const second = await start({ db, adminToken: ADMIN_TOKEN });
    const agent = await second.call({ method: 'GET', url: '/v1/agents/sentry', token });
    expect(agent.status).toBe(200);
    expect(agent.json().agent).toMatchObject({ agent_id: 'sentry', source: 'registered', rate_sats: 40 });
    expect((await second.call({ method: 'POST', url: '/v1/agents/sentry/heartbeat', token })).status).toBe(
      200,
    );
  });
});
