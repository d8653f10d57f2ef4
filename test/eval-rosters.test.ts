import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp-dir.js';

/**
 * eval --agents takes an MCP tool list and an A2A agent card as rosters, besides the roster format:
 * each tool (or skill) is an entry, read and mapped as the service reads them.
 */
const dir = tempDir();
const lastJson = (stdout: string): Record<string, unknown> =>
  JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;

describe('eval with other rosters', () => {
  it('ranks the tools of an MCP tool list, entries named after the file (<server>:<tool>)', async () => {
    const run = await cli([
      'eval',
      '--agents',
      'examples/mcp/devtools.json',
      '--tasks',
      'examples/mcp/devtools-tasks.jsonl',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lastJson(run.stdout)).toMatchObject({ tasks: 5, top1: 1, top3: 1 });
  });

  it('ranks the skills of an A2A agent card (<agent>:<skill>, the agent’s id from its name)', async () => {
    const run = await cli([
      'eval',
      '--agents',
      'test/fixtures/eval-card/research-card.json',
      '--tasks',
      'test/fixtures/eval-card/tasks.jsonl',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(lastJson(run.stdout)).toMatchObject({ tasks: 3, top1: 1 });
  });

  it('refuses a bad tool list or card naming the file and the field', async () => {
    const tools = join(dir, 'bad-tools.json');
    writeFileSync(tools, JSON.stringify({ tools: [{ name: 'ok' }, { name: 'a:b' }] }));
    const badTools = await cli(['eval', '--agents', tools, '--tasks', 'examples/mcp/devtools-tasks.jsonl']);
    expect(badTools.code).toBe(2);
    expect(badTools.stderr).toMatch(/bad-tools\.json: tools\[1\]\.name 'a:b' contains ':'/);

    const card = join(dir, 'bad-card.json');
    writeFileSync(card, JSON.stringify({ name: 'x', url: 'http://127.0.0.1:9/', skills: [{ id: 's' }] }));
    const badCard = await cli(['eval', '--agents', card, '--tasks', 'examples/mcp/devtools-tasks.jsonl']);
    expect(badCard.code).toBe(2);
    expect(badCard.stderr).toMatch(/bad-card\.json: skills\[0\]\.name is required/);

    // A label must name an entry of the list.
    const wrongLabel = await cli([
      'eval',
      '--agents',
      'examples/mcp/devtools.json',
      '--tasks',
      'test/fixtures/eval-card/tasks.jsonl',
    ]);
    expect(wrongLabel.stderr).toMatch(/label "research-bot:summarize" is not an agent of the --agents file/);
  });
});
