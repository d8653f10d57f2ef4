import { afterEach, describe, expect, it } from 'vitest';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';
import { manifestBody, type Service, startService } from './service-harness.js';

/**
 * Through the HTTP API (a real SQLite log, Fastify injected): routing never picks an agent that does
 * not fit the task, a decision without a winner says why in words, and nobody but the agent that
 * holds a task can report how it went.
 */
const dir = tempDir();
const services: Service[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});
const start = async () => {
  const service = await startService({ db: tempDbPath(dir) }); // roster: echo, forge, quill
  services.push(service);
  return service;
};

const THRESHOLD_REFUSAL = 'are below the capability threshold 0.02';

describe('service: no agent that does not fit', () => {
  it('POST /v1/route: a cheaper, proven agent that matches nothing does not win over one that fits', async () => {
    const service = await start();
    const registered = await service.call({
      method: 'POST',
      url: '/v1/agents',
      payload: manifestBody('pdfer', {
        capabilities: ['documents'],
        keywords: ['pdf', 'invoice'],
        rate_sats: 25,
      }),
    });
    expect(registered.status).toBe(201);
    const routed = await service.call({
      method: 'POST',
      url: '/v1/route',
      payload: {
        description: 'Convert this PDF invoice into a spreadsheet',
        bids: [
          { agent_id: 'pdfer', bid_sats: 25 },
          { agent_id: 'echo', bid_sats: 20 },
        ],
      },
    });
    expect(routed.status).toBe(200);
    const decision = routed.json();
    expect(decision.selected_agent).toBe('pdfer');
    const echo = decision.breakdown.find((c: { agent_id: string }) => c.agent_id === 'echo');
    expect(echo).toMatchObject({ capability: 0, rejection: THRESHOLD_REFUSAL });
    expect(decision.selection_reason).toMatch(
      /; 1 of 2 bids eligible \(1 is below the capability threshold 0\.02\)$/,
    );
  });

  it('POST /v1/route: no winner, and the reason names what nobody has or why each bid was refused', async () => {
    const service = await start();
    const route = async (payload: Record<string, unknown>) => {
      const response = await service.call({ method: 'POST', url: '/v1/route', payload });
      expect(response.status).toBe(200);
      return response.json();
    };
    const baking = await route({ description: 'Bake a cake', required_capabilities: ['baking'], bids: [] });
    expect(baking).toMatchObject({
      selected_agent: null,
      selection_reason: 'No suitable agent: no agent declares the capability `baking`',
    });
    const refused = await route({
      description: 'Fix the bug in the auth code',
      max_bid_sats: 40,
      bids: [
        { agent_id: 'forge', bid_sats: 50 },
        { agent_id: 'quill', bid_sats: 30 },
        { agent_id: 'echo', bid_sats: 10 },
      ],
    });
    expect(refused.selected_agent).toBeNull();
    expect(refused.selection_reason).toMatch(
      /^No suitable agent: 3 agents were refused: 1 bids above max_bid_sats, 2 are below the capability threshold 0\.02 \(best quill 0\.\d{3}\)$/,
    );
    // What the log holds is what was answered.
    const logged = await service.call({ method: 'GET', url: `/v1/decisions?task_id=${refused.task_id}` });
    expect(logged.json().decisions[0].selection_reason).toBe(refused.selection_reason);
  });

  it('a task nobody can take: unassigned at once, with the reason on its decision', async () => {
    const service = await start();
    const posted = await service.call({
      method: 'POST',
      url: '/v1/tasks',
      payload: { description: 'Bake a cake', required_capabilities: ['baking'] },
    });
    expect(posted.status).toBe(201);
    const taskId = posted.json().task.task_id;
    const read = (await service.call({ method: 'GET', url: `/v1/tasks/${taskId}` })).json();
    expect(read.task.status).toBe('unassigned');
    expect(read.decision.selection_reason).toBe(
      'No suitable agent: no agent declares the capability `baking`',
    );
  });

  it('a task is never offered to a bidder that does not fit, and such a bidder cannot report on it', async () => {
    const service = await start();
    const taskId = (
      await service.call({
        method: 'POST',
        url: '/v1/tasks',
        payload: { description: 'Fix the bug in the auth code' },
      })
    ).json().task.task_id;
    for (const agent of ['quill', 'echo', 'forge']) {
      const bid = await service.call({
        method: 'POST',
        url: `/v1/tasks/${taskId}/bids`,
        payload: { agent_id: agent, bid_sats: 30 },
      });
      expect(bid.status).toBe(201);
    }
    const offered = (await service.call({ method: 'GET', url: `/v1/tasks/${taskId}` })).json();
    expect(offered.task).toMatchObject({ status: 'offered', assigned_agent: 'forge', candidates: ['forge'] });
    // Before, the task went down to quill and echo, which match it below the threshold.
    const rejected = await service.call({
      method: 'POST',
      url: `/v1/tasks/${taskId}/reject`,
      payload: { agent_id: 'forge' },
    });
    expect(rejected.json().task.status).toBe('unassigned');
    for (const action of ['accept', 'complete', 'fail']) {
      const claimed = await service.call({
        method: 'POST',
        url: `/v1/tasks/${taskId}/${action}`,
        payload: { agent_id: 'quill' },
      });
      expect(claimed.status).toBeGreaterThanOrEqual(400);
      expect(claimed.status).toBeLessThan(500);
      expect(claimed.json().error.code).toMatch(/^(wrong_state|forbidden)$/);
    }
    const stats = (await service.call({ method: 'GET', url: '/v1/agents/quill/stats' })).json();
    expect(stats.outcomes).toBe(0);
  });
});
