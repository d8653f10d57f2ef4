import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { call, type Json } from '../helpers/http-call.js';
import { cli } from '../helpers/run-cli.js';
import { finished, listeningAddress, spawnCli } from '../helpers/spawn-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('swarm-router-crash-');
const PERSONAS = ['echo', 'mace', 'helm', 'seer', 'forge', 'quill'];
const RESERVATION_MS = 3_000;

async function serve(db: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnCli([
    'serve',
    '--port',
    '0',
    '--db',
    db,
    '--roster',
    'personas',
    '--reservation-ms',
    String(RESERVATION_MS),
  ]);
  return { child, url: await listeningAddress(child) };
}

const post = async (url: string, description: string, window = 60_000): Promise<string> =>
  (await call(url, 'POST', '/v1/tasks', { description, bidding_window_ms: window })).json.task.task_id;
const bidAll = async (url: string, taskId: string, agents = PERSONAS) => {
  for (const [i, agent] of agents.entries()) {
    const answer = await call(url, 'POST', `/v1/tasks/${taskId}/bids`, { agent_id: agent, bid_sats: 20 + i });
    expect(answer.status).toBe(201);
  }
};
const taskOf = async (url: string, taskId: string): Promise<Json> =>
  (await call(url, 'GET', `/v1/tasks/${taskId}`)).json;

describe('the service survives kill -9 (a real child process)', () => {
  it('keeps every acknowledged bid and decision, decides what came due, re-offers expired reservations, verifies', async () => {
    const db = tempDbPath(dir);
    const first = await serve(db);
    const died = finished(first.child);
    const url = first.url;

    // Tasks in every state.
    const stillOpen = await post(url, 'Research the history of routing', 120_000);
    await bidAll(url, stillOpen, ['echo', 'quill']);
    // Tasks two agents fit, so that an expired reservation or a failure has someone to go to next.
    const windowPasses = await post(url, 'Write a function to document the API', 1_500);
    await bidAll(url, windowPasses, ['quill', 'forge']);
    const offered = await post(url, 'Fix the bug in the auth code');
    await bidAll(url, offered);
    const offeredTo = (await taskOf(url, offered)).task.assigned_agent;
    const accepted = await post(url, 'Audit the firewall rules');
    await bidAll(url, accepted);
    const acceptedBy = (await taskOf(url, accepted)).task.assigned_agent;
    expect((await call(url, 'POST', `/v1/tasks/${accepted}/accept`, { agent_id: acceptedBy })).status).toBe(
      200,
    );
    const completed = await post(url, 'Deploy the service with a CI pipeline');
    await bidAll(url, completed);
    const completedBy = (await taskOf(url, completed)).task.assigned_agent;
    await call(url, 'POST', `/v1/tasks/${completed}/accept`, { agent_id: completedBy });
    expect(
      (await call(url, 'POST', `/v1/tasks/${completed}/complete`, { agent_id: completedBy })).status,
    ).toBe(200);

    const unassigned = (
      await call(url, 'POST', '/v1/tasks', {
        description: 'Read the tea leaves',
        required_capabilities: ['astrology'],
      })
    ).json.task.task_id;
    const retried = await post(url, 'Refactor the parser module and the README');
    await bidAll(url, retried);
    const firstTry = (await taskOf(url, retried)).task.assigned_agent;
    await call(url, 'POST', `/v1/tasks/${retried}/accept`, { agent_id: firstTry });
    expect((await call(url, 'POST', `/v1/tasks/${retried}/fail`, { agent_id: firstTry })).status).toBe(200);
    const deadline = new Date(Date.now() + 1_500).toISOString();
    const expires = (
      await call(url, 'POST', '/v1/tasks', {
        description: 'Summarise the meeting',
        deadline,
        bidding_window_ms: 60_000,
      })
    ).json.task.task_id;

    // A burst of bids in flight when the process dies: only the acknowledged ones must survive.
    const burst: string[] = [];
    for (let i = 0; i < 15; i++) burst.push(await post(url, `Analyze dataset number ${i}`, 120_000));
    const acknowledged: { taskId: string; agent: string }[] = [];
    // Killed once 20 bids are acknowledged, while the rest are still on the wire.
    let killAt: () => void = () => undefined;
    const twentyAcknowledged = new Promise<void>((resolve) => {
      killAt = resolve;
    });
    const inFlight = burst.flatMap((taskId) =>
      PERSONAS.slice(0, 5).map(async (agent) => {
        try {
          const answer = await call(url, 'POST', `/v1/tasks/${taskId}/bids`, {
            agent_id: agent,
            bid_sats: 30,
          });
          if (answer.status === 201) acknowledged.push({ taskId, agent });
          if (acknowledged.length === 20) killAt();
        } catch {
          // the connection died with the process: not acknowledged
        }
      }),
    );
    await twentyAcknowledged;
    first.child.kill('SIGKILL');
    await Promise.all(inFlight);
    expect((await died).signal).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(20);

    // Down long enough for the short window and the reservation to pass.
    await new Promise((resolve) => setTimeout(resolve, RESERVATION_MS + 500));
    const second = await serve(db);
    const url2 = second.url;
    try {
      await expect
        .poll(async () => (await taskOf(url2, windowPasses)).task.status, { timeout: 5_000 })
        .toBe('offered');
      const decided = await taskOf(url2, windowPasses);
      expect(decided.decision.candidate_agents).toEqual(['quill', 'forge']);

      await expect
        .poll(async () => (await taskOf(url2, offered)).task.assigned_agent, { timeout: 5_000 })
        .not.toBe(offeredTo);
      expect((await taskOf(url2, offered)).task.status).toMatch(/^(offered|unassigned)$/);

      expect((await taskOf(url2, stillOpen)).task).toMatchObject({
        status: 'open',
        bids: [
          { agent_id: 'echo', bid_sats: 20 },
          { agent_id: 'quill', bid_sats: 21 },
        ],
      });
      expect((await taskOf(url2, accepted)).task).toMatchObject({
        status: 'accepted',
        assigned_agent: acceptedBy,
      });
      expect((await taskOf(url2, completed)).task.status).toBe('completed');
      expect((await taskOf(url2, unassigned)).task.status).toBe('unassigned');
      const retry = (await taskOf(url2, retried)).task;
      expect(retry.failures).toBe(1);
      expect(retry.assigned_agent).not.toBe(firstTry);
      await expect
        .poll(async () => (await taskOf(url2, expires)).task.status, { timeout: 5_000 })
        .toBe('expired');

      for (const { taskId, agent } of acknowledged) {
        const { task } = await taskOf(url2, taskId);
        expect(
          task.bids.map((b: { agent_id: string }) => b.agent_id),
          `${taskId} ${agent}`,
        ).toContain(agent);
      }
      const stats = (await call(url2, 'GET', `/v1/agents/${offeredTo}/stats`)).json;
      expect(stats.timed_out).toBeGreaterThanOrEqual(1);
    } finally {
      second.child.kill('SIGTERM');
      const stopped = await finished(second.child);
      expect(stopped.code).toBe(0);
    }
    const verify = await cli(['verify', '--db', db]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/verify/);
  }, 60_000);
});
