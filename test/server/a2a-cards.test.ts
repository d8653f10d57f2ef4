import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callJson, closedAfterEach } from '../helpers/a2a-fixtures.js';
import { type A2aTestAgent, startA2aTestAgent } from '../helpers/a2a-test-agent.js';
import { type ListeningService, startListeningService } from '../helpers/listening-service.js';
import { cli } from '../helpers/run-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * A2A agents join a swarm by their card: real A2A servers built with @a2a-js/sdk publish cards of
 * both shapes; the service fetches, checks and maps them to one entry per skill, routes to those
 * entries, reads the card again on request, and refuses bad cards with the field named.
 */
const dir = tempDir();
const started = closedAfterEach();
afterAll(async () => {
  for (const thing of started.splice(0)) await thing.close();
});

const SKILLS = [
  {
    id: 'summarize',
    name: 'Summarise',
    description: 'Summarise long documents and reports',
    tags: ['summarization', 'research'],
    examples: ['Summarise the quarterly report', 'Give me the key points of this paper'],
  },
  {
    id: 'translate',
    name: 'Translate',
    description: 'Translate text between languages',
    tags: ['translation'],
    examples: ['Translate this contract into French'],
  },
];

async function agent(options: Parameters<typeof startA2aTestAgent>[0]): Promise<A2aTestAgent> {
  const a = await startA2aTestAgent(options);
  started.push(a);
  return a;
}

async function service(): Promise<ListeningService> {
  const s = await startListeningService({ db: tempDbPath(dir) });
  started.push(s);
  return s;
}

const call = callJson;

describe('A2A agents registered by their card', () => {
  it('registers a 1.0 agent from its base URL: one entry per skill, at the card’s rate, routable', async () => {
    const remote = await agent({ name: 'Research Bot', skills: SKILLS, rateSats: 25 });
    const s = await service();
    const added = await call(s, 'POST', '/v1/agents', { agent_card_url: remote.baseUrl });
    expect(added.status).toBe(201);
    expect(added.body?.agent).toMatchObject({
      agent_id: 'research-bot',
      name: 'Research Bot',
      protocol_version: '1.0',
      card_url: remote.cardUrl,
      endpoints: [{ url: `${remote.baseUrl}/a2a`, binding: 'JSONRPC' }],
    });
    const skills = added.body?.agent.skills as Record<string, unknown>[];
    expect(skills.map((e) => e.agent_id)).toEqual(['research-bot:summarize', 'research-bot:translate']);
    expect(skills[0]).toMatchObject({
      capabilities: ['summarization', 'research'],
      rate_sats: 25,
      status: 'online',
      a2a: { agent: 'research-bot', skill: 'summarize', skill_name: 'Summarise' },
    });

    // The entries compete like any agent: the translation task goes to the translate skill.
    const routed = await call(s, 'POST', '/v1/route', {
      description: 'Translate this contract into German',
      bids: [
        { agent_id: 'research-bot:summarize', bid_sats: 25 },
        { agent_id: 'research-bot:translate', bid_sats: 25 },
      ],
    });
    expect(routed.status).toBe(200);
    expect(routed.body?.selected_agent).toBe('research-bot:translate');
    // The answer names the agent and the skill, and says why.
    expect(routed.body?.selected_skill).toMatchObject({
      agent: 'research-bot',
      skill: 'translate',
      skill_name: 'Translate',
      explanation: expect.stringMatching(
        /^skill 'Translate' of A2A agent 'research-bot' \(Research Bot, tagged translation\) matched the task \(capability 0\.\d\d\) and won with a bid of 25 sats \(A2A agents do not bid: the router bids for their skills at the agent's rate, 25 sats\); the task goes to that agent, at http:\/\/127\.0\.0\.1:\d+\/a2a, for that skill$/,
      ),
    });

    // Without bids, the router bids for the skills that match best, at the card's rate, as in an
    // auction; a skill the caller bid for keeps the caller's bid, and an excluded one gets none.
    const housed = await call(s, 'POST', '/v1/route', {
      description: 'Translate this contract into German',
      bids: [],
    });
    expect(housed.body?.selected_agent).toBe('research-bot:translate');
    expect(housed.body?.bids_received).toMatchObject({ 'research-bot:translate': 25 });
    const ownBid = await call(s, 'POST', '/v1/route', {
      description: 'Translate this contract into German',
      bids: [{ agent_id: 'research-bot:translate', bid_sats: 7 }],
    });
    expect(ownBid.body?.bids_received).toMatchObject({ 'research-bot:translate': 7 });
    const excluded = await call(s, 'POST', '/v1/route', {
      description: 'Translate this contract into German',
      bids: [],
      exclude: ['research-bot:translate'],
    });
    expect(excluded.body?.selected_agent).not.toBe('research-bot:translate');
    expect(excluded.body?.bids_received).not.toHaveProperty(['research-bot:translate']);

    const listed = await call(s, 'GET', '/v1/cards');
    expect(listed.body?.agents.map((a: { agent_id: string }) => a.agent_id)).toEqual(['research-bot']);
  });

  it('registers a 0.3 agent from its card URL, and an inline card at the rate given', async () => {
    const remote = await agent({
      name: 'Old Agent',
      skills: [SKILLS[1] as (typeof SKILLS)[number]],
      legacyCard: true,
    });
    const s = await service();
    const fromUrl = await call(s, 'POST', '/v1/agents', { agent_card_url: remote.cardUrl, agent_id: 'old' });
    expect(fromUrl.status).toBe(201);
    expect(fromUrl.body?.agent).toMatchObject({ agent_id: 'old', protocol_version: '0.3.0' });
    expect(fromUrl.body?.agent.skills[0]).toMatchObject({ agent_id: 'old:translate', rate_sats: 50 });

    const card = await (await fetch(remote.cardUrl)).json();
    const inline = await call(s, 'POST', '/v1/agents', {
      agent_card: card,
      agent_id: 'inline',
      rate_sats: 7,
    });
    expect(inline.status).toBe(201);
    expect(inline.body?.agent.card_url).toBeUndefined();
    expect(inline.body?.agent.skills[0]).toMatchObject({ agent_id: 'inline:translate', rate_sats: 7 });
    // An inline card has no URL to be read from again.
    expect((await call(s, 'POST', '/v1/cards/inline/refresh')).body?.error.message).toMatch(/inline card/);
  });

  it('applies a card read again: skills added, changed and dropped, without a restart', async () => {
    const remote = await agent({ name: 'Research Bot', skills: SKILLS });
    const s = await service();
    expect((await call(s, 'POST', '/v1/agents', { agent_card_url: remote.baseUrl })).status).toBe(201);
    remote.setSkills([
      { ...(SKILLS[0] as (typeof SKILLS)[number]), tags: ['summarization'] },
      { id: 'cite', name: 'Cite', description: 'Find citations for claims', tags: ['citations'] },
    ]);
    const refreshed = await call(s, 'POST', '/v1/cards/research-bot/refresh');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({
      added: ['research-bot:cite'],
      changed: ['research-bot:summarize'],
      removed: ['research-bot:translate'],
    });
    expect((await call(s, 'GET', '/v1/agents/research-bot:translate')).status).toBe(404);
    expect((await call(s, 'GET', '/v1/agents/research-bot:cite')).body?.agent.capabilities).toEqual([
      'citations',
    ]);

    // Entries change with their card, not by hand; the agent goes as a whole.
    const patched = await call(s, 'PATCH', '/v1/agents/research-bot:cite', { rate_sats: 1 });
    expect(patched.status).toBe(409);
    expect(patched.body?.error.code).toBe('card_managed');
    expect((await call(s, 'DELETE', '/v1/agents/research-bot:cite')).status).toBe(409);
    expect(s.service.directory.hasCardAgents()).toBe(true);
    expect((await call(s, 'DELETE', '/v1/cards/research-bot')).status).toBe(204);
    // The router stops deciding whether to bid for skills once there are none.
    expect(s.service.directory.hasCardAgents()).toBe(false);
    expect((await call(s, 'GET', '/v1/agents/research-bot:cite')).status).toBe(404);
  });

  it('refuses bad cards with 400 naming the field, and unreachable ones with 502 naming the URL', async () => {
    const s = await service();
    const bad = await call(s, 'POST', '/v1/agents', {
      agent_card: {
        name: 'x',
        url: 'http://127.0.0.1:9/a2a',
        skills: [{ id: 's', name: 'S', tags: ['ok', 3] }],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body?.error.message).toMatch(/agent_card: skills\[0\]\.tags\[1\] must be string/);

    const both = await call(s, 'POST', '/v1/agents', {
      agent_card_url: 'http://127.0.0.1:9/',
      agent_card: {},
    });
    expect(both.body?.error.message).toMatch(/agent_card_url or agent_card, not both/);

    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const gone = await call(s, 'POST', '/v1/agents', { agent_card_url: `http://127.0.0.1:${closedPort}/` });
    expect(gone.status).toBe(502);
    expect(gone.body?.error.code).toBe('card_unavailable');
    expect(gone.body?.error.message).toMatch(new RegExp(`127\\.0\\.0\\.1:${closedPort}.*ECONNREFUSED`));

    const notHttp = await call(s, 'POST', '/v1/agents', { agent_card_url: 'file:///etc/passwd' });
    expect(notHttp.status).toBe(400);
    expect(notHttp.body?.error.message).toMatch(/agent_card_url must be an http or https URL/);

    const remote = await agent({ skills: SKILLS });
    const colon = await call(s, 'POST', '/v1/agents', { agent_card_url: remote.baseUrl, agent_id: 'a:b' });
    expect(colon.status).toBe(400);
    expect(colon.body?.error.message).toMatch(/agent_id must match pattern/);
    remote.failCardWith(500);
    const failing = await call(s, 'POST', '/v1/agents', { agent_card_url: remote.baseUrl });
    expect(failing.status).toBe(502);
    expect(failing.body?.error.message).toMatch(/HTTP 500/);

    // Nothing was registered by any of them.
    expect((await call(s, 'GET', '/v1/cards')).body?.agents).toEqual([]);
  });

  it('refuses a card whose skill would take an id that is already registered, registering none of it', async () => {
    const remote = await agent({ name: 'Echo', skills: SKILLS });
    const s = await service();
    await call(s, 'POST', '/v1/agents', {
      agent_id: 'echo:translate',
      agent_name: 'squatter',
      capabilities: ['translation'],
      keywords: [],
      rate_sats: 1,
    });
    const refused = await call(s, 'POST', '/v1/agents', { agent_card_url: remote.baseUrl, agent_id: 'echo' });
    expect(refused.status).toBe(409);
    expect(refused.body?.error.message).toMatch(/echo:translate/);
    expect((await call(s, 'GET', '/v1/agents/echo:summarize')).status).toBe(404);
  });

  it('are added, listed, read again and removed with swarm-router agents, from a URL or a card file', async () => {
    const remote = await agent({ name: 'Research Bot', skills: SKILLS, rateSats: 25 });
    const s = await service();
    const flags = ['--service', s.url];
    const added = await cli(['agents', 'add', remote.baseUrl, ...flags]);
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/^research-bot {2}Research Bot 1\.0\.0 \(A2A 1\.0\)/);
    expect(added.stdout).toMatch(/research-bot:translate +25 sat {2}online +translation/);

    const file = join(dir, 'card.json');
    writeFileSync(file, await (await fetch(remote.cardUrl)).text());
    const fromFile = await cli(['agents', 'add', file, '--id', 'copy', '--rate', '9', '--json', ...flags]);
    expect(JSON.parse(fromFile.stdout).agent.skills.map((e: { agent_id: string }) => e.agent_id)).toEqual([
      'copy:summarize',
      'copy:translate',
    ]);

    const listed = JSON.parse((await cli(['agents', 'list', '--json', ...flags])).stdout);
    expect(listed.agents.map((a: { agent_id: string }) => a.agent_id).sort()).toEqual([
      'copy',
      'research-bot',
    ]);

    remote.setSkills([SKILLS[0] as (typeof SKILLS)[number]]);
    expect((await cli(['agents', 'refresh', 'research-bot', ...flags])).stdout).toMatch(
      /added none; changed none; removed research-bot:translate/,
    );
    expect((await cli(['agents', 'remove', 'research-bot', ...flags])).stdout).toBe(
      'removed A2A agent research-bot\n',
    );

    // The service's errors keep their code and exit code.
    const again = await cli(['agents', 'remove', 'research-bot', ...flags]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no A2A agent 'research-bot' is registered/);
    const badFile = await cli(['agents', 'add', join(dir, 'missing.json'), ...flags]);
    expect(badFile.stderr).toMatch(/missing\.json: cannot read the file \(ENOENT\)/);
  });

  it('reads the card again on its own timer, and applies what changed', async () => {
    const remote = await agent({ name: 'Research Bot', skills: SKILLS });
    const s = await startListeningService({ db: tempDbPath(dir), cardRefreshMs: 50 });
    started.push(s);
    await call(s, 'POST', '/v1/agents', { agent_card_url: remote.baseUrl });
    remote.setSkills([SKILLS[1] as (typeof SKILLS)[number]]);
    let ids: string[] = [];
    for (let i = 0; i < 100 && ids.length !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const card = (await call(s, 'GET', '/v1/cards/research-bot')).body;
      ids = card.agent.skills.map((e: { agent_id: string }) => e.agent_id);
    }
    expect(ids).toEqual(['research-bot:translate']);
  });

  it('follows the card on the schedule: a change applies, a card that fails to load is reported and left as it was', async () => {
    const remote = await agent({ name: 'Research Bot', skills: SKILLS });
    const s = await service();
    await call(s, 'POST', '/v1/agents', { agent_card_url: remote.baseUrl });
    remote.setSkills([{ ...(SKILLS[1] as (typeof SKILLS)[number]), examples: ['Translate the menu'] }]);
    await s.service.cards.refreshAll();
    expect(
      (await call(s, 'GET', '/v1/cards/research-bot')).body?.agent.skills.map(
        (e: { agent_id: string }) => e.agent_id,
      ),
    ).toEqual(['research-bot:translate']);
    remote.failCardWith(503);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    const passes = async (n: number) => {
      for (let i = 0; i < n; i++) await s.service.cards.refreshAll();
      await new Promise((resolve) => setImmediate(resolve));
    };
    try {
      // One warning while the card keeps failing the same way, not one a pass.
      await passes(3);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/reading the card of A2A agent 'research-bot' again failed: .*HTTP 503/);
      // Read again, then failing again: said again.
      remote.failCardWith(0);
      await passes(1);
      remote.failCardWith(503);
      await passes(2);
      expect(warnings).toHaveLength(2);
    } finally {
      process.off('warning', onWarning);
    }
    expect((await call(s, 'GET', '/v1/agents/research-bot:translate')).body?.agent.examples).toEqual([
      'Translate the menu',
    ]);
  });
});
