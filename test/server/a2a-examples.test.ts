import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { callJson } from '../helpers/a2a-fixtures.js';
import { startListeningService } from '../helpers/listening-service.js';
import { cli } from '../helpers/run-cli.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

/**
 * The README's two commands for an A2A agent work as written: examples/a2a/translator-agent.mjs
 * (a real @a2a-js/sdk server) on a port, then `swarm-router agents add http://127.0.0.1:PORT`; a task
 * posted to the swarm then reaches it and comes back with its artifact.
 */
const EXAMPLE = fileURLToPath(new URL('../../examples/a2a/translator-agent.mjs', import.meta.url));
const dir = tempDir();
const closing: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const thing of closing.reverse()) await thing.close();
});

/** The example takes its port on the command line and puts it in its card: a free one is found first. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function startExample(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [EXAMPLE, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  closing.push({
    close: async () => {
      child.kill();
    },
  });
  return new Promise((resolve, reject) => {
    let seen = '';
    const take = (chunk: Buffer) => {
      seen += chunk.toString();
      if (/card at http:\/\/\S+agent-card\.json/.test(seen)) resolve(child);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    child.on('exit', () => reject(new Error(`the example exited: ${seen}`)));
  });
}

describe('examples/a2a/translator-agent.mjs', () => {
  it('joins the swarm with agents add, and does the task the swarm sends it', async () => {
    const port = await freePort();
    await startExample(port);
    const s = await startListeningService({ db: tempDbPath(dir), roster: [] });
    closing.push(s);

    const added = await cli(['agents', 'add', `http://127.0.0.1:${port}`, '--service', s.url]);
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/^example-translator {2}Example Translator 1\.0\.0 \(A2A 1\.0\)/);
    expect(added.stdout).toMatch(/example-translator:translate +20 sat {2}online +translation, languages/);

    const posted = await callJson(s, 'POST', '/v1/tasks', {
      description: 'Translate this contract into French',
      bidding_window_ms: 150,
    });
    expect(posted.status).toBe(201);
    const taskId = posted.body.task.task_id as string;
    let done: Record<string, unknown> = {};
    for (let i = 0; i < 200; i++) {
      done = (await callJson(s, 'GET', `/v1/tasks/${taskId}`)).body;
      const status = (done.task as { status: string }).status;
      if (['completed', 'failed', 'unassigned', 'expired'].includes(status)) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(done.task).toMatchObject({ status: 'completed', assigned_agent: 'example-translator:translate' });
    expect(done.result).toMatchObject({
      state: 'completed',
      artifacts: [
        { name: 'translation', parts: [{ text: '(translated) Translate this contract into French' }] },
      ],
    });
  });
});
