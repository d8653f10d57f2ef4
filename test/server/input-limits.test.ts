import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent } from '../helpers/manifest.js';
import { cli } from '../helpers/run-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';
import { ADMIN_TOKEN, manifestBody, type Service, startService } from './service-harness.js';

/**
 * The documented limits on what is analysed and routed (docs/security.md, "Limits on input"): at its limit a field is
 * accepted, one over it is a 400 `invalid_request` naming the field, and nothing is stored.
 */
const dir = tempDir();
let service: Service;
let agentToken: string;
beforeAll(async () => {
  service = await startService({ db: tempDbPath(dir), adminToken: ADMIN_TOKEN });
  const registered = await service.call({
    method: 'POST',
    url: '/v1/agents',
    token: ADMIN_TOKEN,
    payload: manifestBody('limits-agent', { examples: ['audit the firewall rules'] }),
  });
  expect(registered.status).toBe(201);
  agentToken = registered.json().token;
  // Bidders for a routing request at its limit (the router's roster, as a roster file gives it).
  for (let i = 0; i <= 1_000; i++) service.router.registerAgent(agent(`bidder-${i}`));
});
afterAll(() => service.close());

const text = (length: number) => 'word '.repeat(Math.ceil(length / 5)).slice(0, length);
const strings = (count: number, length = 8) =>
  Array.from({ length: count }, (_, i) => `${i} ${text(length)}`.slice(0, length));
const bids = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ agent_id: `bidder-${i}`, bid_sats: 10 }));

interface Limit {
  readonly rule: string;
  readonly limit: number;
  /** The field as the error names it. */
  readonly field: string;
  readonly request: (size: number) => { method: 'POST' | 'PATCH'; url: string; payload: object };
}

let fresh = 0;
const newAgent = (fields: Record<string, unknown>) => ({
  method: 'POST' as const,
  url: '/v1/agents',
  payload: manifestBody(`limits-new-${++fresh}`, fields),
});

const LIMITS: Limit[] = [
  {
    rule: 'a task description: 10,000 characters',
    limit: 10_000,
    field: 'description',
    request: (n) => ({ method: 'POST', url: '/v1/tasks', payload: { description: text(n) } }),
  },
  {
    rule: 'a routed description: 10,000 characters',
    limit: 10_000,
    field: 'description',
    request: (n) => ({ method: 'POST', url: '/v1/route', payload: { description: text(n), bids: bids(1) } }),
  },
  {
    rule: 'bids on one routing request: 1,000',
    limit: 1_000,
    field: 'bids',
    request: (n) => ({ method: 'POST', url: '/v1/route', payload: { description: 'fix it', bids: bids(n) } }),
  },
  {
    rule: "an agent's examples: 100",
    limit: 100,
    field: 'examples',
    request: (n) => newAgent({ examples: strings(n) }),
  },
  {
    rule: 'one example: 2,000 characters',
    limit: 2_000,
    field: 'examples[1]',
    request: (n) => newAgent({ examples: ['short one', text(n)] }),
  },
  {
    rule: "an agent's description: 10,000 characters",
    limit: 10_000,
    field: 'description',
    request: (n) => newAgent({ description: text(n) }),
  },
  {
    rule: 'capability tags: 100',
    limit: 100,
    field: 'capabilities',
    request: (n) => newAgent({ capabilities: strings(n) }),
  },
  {
    rule: 'keyword tags: 100',
    limit: 100,
    field: 'keywords',
    request: (n) => newAgent({ keywords: strings(n) }),
  },
  {
    rule: 'examples PATCHed by the agent itself: 100 of 2,000 characters',
    limit: 100,
    field: 'examples',
    request: (n) => ({
      method: 'PATCH',
      url: '/v1/agents/limits-agent',
      payload: { examples: strings(n, 2_000) },
    }),
  },
];

describe('input limits at the edge', () => {
  it.each(LIMITS)('$rule: accepted at the limit, refused one over it naming $field', async (limit) => {
    const token = limit.request(0).method === 'PATCH' ? agentToken : ADMIN_TOKEN;
    const atLimit = await service.call({ ...limit.request(limit.limit), token });
    expect(atLimit.status, atLimit.body).toBeLessThan(300);
    const before = (await service.call({ method: 'GET', url: '/v1/agents', token })).json();

    const over = await service.call({ ...limit.request(limit.limit + 1), token });
    expect(over.status).toBe(400);
    const { error } = over.json();
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain(limit.field);
    expect(error.message).toContain(String(limit.limit));
    // Nothing changed: no agent registered or altered.
    expect((await service.call({ method: 'GET', url: '/v1/agents', token })).json()).toEqual(before);
  });

  it('a --batch line with too many bids is refused, naming the file, the line and the field', async () => {
    const file = join(dir, 'many-bids.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ description: 'fix the bug', bids: bids(2) }),
        JSON.stringify({ description: 'fix the bug', bids: bids(1_001) }),
      ].join('\n'),
    );
    const run = await cli(['route', '--batch', file, '--no-log', '--allow-unregistered']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`${file}:2`);
    expect(run.stderr).toContain('bids');
    expect(run.stdout).toBe('');
  });
});
