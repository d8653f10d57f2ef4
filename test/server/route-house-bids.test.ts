import { afterAll, describe, expect, it } from 'vitest';
import { RATE_EXTENSION_URI } from '../../src/a2a/agent-card.js';
import { callJson, closedAfterEach } from '../helpers/a2a-fixtures.js';
import { type ListeningService, startListeningService } from '../helpers/listening-service.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * The router's bids for A2A skills on POST /v1/route (house-bids.ts): placed as an auction places
 * them, so the caller is answered about the bids it made and the bids the router could make.
 */
const dir = tempDir();
const started = closedAfterEach();
afterAll(async () => {
  for (const thing of started.splice(0)) await thing.close();
});

const call = callJson;

/** An inline 1.0 card with one skill, at `rateSats` (never called: routing only). */
function card(skillId: string, rateSats: number, skillCount = 1): Record<string, unknown> {
  return {
    name: 'Polyglot',
    description: 'Translates',
    version: '1.0.0',
    supportedInterfaces: [
      { url: 'http://127.0.0.1:9/a2a', protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
    ],
    capabilities: {
      streaming: false,
      extensions: [{ uri: RATE_EXTENSION_URI, required: false, params: { rate_sats: rateSats } }],
    },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    // More skills: the same one again under other ids (s2, s3, …), matching a task alike.
    skills: Array.from({ length: skillCount }, (_, i) => ({
      id: i === 0 ? skillId : `${skillId}${i + 1}`,
      name: 'Translate',
      description: 'Translate contracts and letters between languages',
      tags: ['translation', 'languages'],
      examples: ['Translate this contract into French', 'Translate the letter into German'],
    })),
  };
}

async function serviceWith(skillId: string, rateSats: number, skillCount = 1): Promise<ListeningService> {
  const s = await startListeningService({ db: tempDbPath(dir) });
  started.push(s);
  const added = await call(s, 'POST', '/v1/agents', {
    agent_card: card(skillId, rateSats, skillCount),
    agent_id: 'poly',
  });
  expect(added.status).toBe(201);
  return s;
}

describe('POST /v1/route: the router’s bids for A2A skills', () => {
  it('places no bid the request’s constraints refuse, as an auction places none', async () => {
    const s = await serviceWith('translate', 25);
    const task = 'Translate this contract into German';
    const capped = await call(s, 'POST', '/v1/route', { description: task, bids: [], max_bid_sats: 10 });
    expect(capped.status).toBe(200);
    // The caller bid nothing: it is not told of a bid "above max_bid_sats" it did not make.
    expect(capped.body?.bids_received).toEqual({});
    expect(capped.body?.selection_reason).not.toMatch(/bid above max_bid_sats/);
    const tagged = await call(s, 'POST', '/v1/route', {
      description: task,
      bids: [],
      required_capabilities: ['security'],
    });
    expect(tagged.status).toBe(200);
    expect(tagged.body?.bids_received).toEqual({});
    // The auction, for the same task and constraint, takes no bid from the router either.
    const posted = await call(s, 'POST', '/v1/tasks', { description: task, max_bid_sats: 10 });
    expect(posted.status).toBe(201);
    expect(posted.body?.task.bids ?? []).toEqual([]);
  });

  it('leaves out a skill the request excludes whatever Unicode form its card spells the id in', async () => {
    // The card spells the skill's id decomposed (e + U+0301); the request, as every id, composed.
    const s = await serviceWith('re\u0301sume\u0301', 10);
    const entry = 'poly:r\u00e9sum\u00e9';
    const listed = await call(s, 'GET', '/v1/cards/poly');
    expect(listed.body?.agent.skills.map((e: { agent_id: string }) => e.agent_id)).toEqual([entry]);
    const excluded = await call(s, 'POST', '/v1/route', {
      description: 'Translate this contract into German',
      bids: [],
      exclude: [entry],
    });
    expect(excluded.status).toBe(200);
    expect(excluded.body?.selected_agent).toBeNull();
    expect(excluded.body?.bids_received).toEqual({});
    // And a caller can bid for it by that id.
    const own = await call(s, 'POST', '/v1/route', {
      description: 'Translate this contract into German',
      bids: [{ agent_id: entry, bid_sats: 3 }],
    });
    expect(own.status).toBe(200);
    expect(own.body?.selected_agent).toBe(entry);
  });

  it('gives the bid of a skill the request refuses to the next best one, beyond the first three', async () => {
    const s = await serviceWith('t', 10, 5);
    const routed = await call(s, 'POST', '/v1/route', {
      description: 'Translate this contract into German',
      bids: [],
      exclude: ['poly:t', 'poly:t2', 'poly:t3'],
    });
    expect(routed.status).toBe(200);
    expect(Object.keys(routed.body?.bids_received ?? {}).sort()).toEqual(['poly:t4', 'poly:t5']);
    expect(['poly:t4', 'poly:t5']).toContain(routed.body?.selected_agent);
  });
});
