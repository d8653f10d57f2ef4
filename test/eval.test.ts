import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp-dir.js';

const dir = tempDir();
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

// Three agents without rate_sats, as in data/quality/.
const agents = file(
  'agents.json',
  JSON.stringify({
    agents: [
      {
        agent_id: 'ops',
        agent_name: 'Ops',
        capabilities: ['devops'],
        keywords: [],
        description: 'Runs servers.',
      },
      {
        agent_id: 'dev',
        agent_name: 'Dev',
        capabilities: ['coding'],
        keywords: [],
        examples: ['fix my python loop'],
      },
      {
        agent_id: 'pen',
        agent_name: 'Pen',
        capabilities: ['writing'],
        keywords: [],
        description: 'Edits prose.',
      },
    ],
  }),
);
const lines = (rows: object[]): string => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
// The third task says nothing any manifest knows; only what was learned online can place it.
const tasks = file(
  'tasks.jsonl',
  lines([
    { task_id: '1', description: 'restart the nginx server', label: 'ops' },
    { task_id: '2', description: 'a bug in my python function', label: 'dev' },
    { task_id: '3', description: 'zorblax frobnication', label: 'pen' },
    { task_id: '4', description: 'proofread this paragraph for grammar', label: 'pen' },
    { task_id: '5', description: 'zorblax frobnication again', label: 'pen' },
  ]),
);

const lastJson = (stdout: string): Record<string, unknown> =>
  JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;

describe('swarm-router eval', () => {
  it('cold: routes each task once; routed correctly is the decision, top1 and top3 the ranking', async () => {
    const run = await cli(['eval', '--agents', agents, '--tasks', tasks, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = lastJson(run.stdout);
    expect(Object.keys(report)).toEqual([
      'scorer',
      'mode',
      'tasks',
      'order',
      'seed',
      'routed_correctly',
      'top1',
      'top3',
      'ece',
      'routed_with_confidence',
      'accuracy_at_coverage',
      'ms_per_task',
    ]);
    // Tasks 1, 2 and 4 rank their agent first by their words; 3 and 5 score 0 everywhere and rank
    // the first agent first. The decision refuses both zero scores ("no suitable agent") and, at the
    // threshold of rosters without examples, 0.02 (one example is too few to estimate one from), the weakest of the three
    // matches too.
    expect(report).toMatchObject({
      scorer: 'default',
      mode: 'cold',
      tasks: 5,
      order: 'shuffled',
      seed: 1,
      routed_correctly: 2 / 5,
      top1: 3 / 5,
      top3: 1,
    });
    const lowThreshold = await cli([
      'eval',
      '--agents',
      agents,
      '--tasks',
      tasks,
      '--min-capability',
      '0.001',
      '--json',
    ]);
    expect(lastJson(lowThreshold.stdout)).toMatchObject({ routed_correctly: 3 / 5, top1: 3 / 5 });
  });

  it('shuffles tasks with a seed by default: the same seed gives the same order, --order file the file’s', async () => {
    const run = (args: string[]) =>
      cli(['eval', '--agents', agents, '--tasks', tasks, '--online', '--json', ...args]);
    const once = lastJson((await run([])).stdout);
    expect(lastJson((await run(['--seed', '1'])).stdout)).toEqual({
      ...once,
      ms_per_task: expect.any(Number),
    });
    expect(lastJson((await run(['--order', 'file'])).stdout)).toMatchObject({ order: 'file' });
    expect(lastJson((await run(['--order', 'file'])).stdout).seed).toBeUndefined();
    const bad = await cli(['eval', '--agents', agents, '--tasks', tasks, '--order', 'random']);
    expect(bad.stderr).toMatch(/--order: expected shuffled or file, got 'random'/);
    expect((await cli(['eval', '--agents', agents, '--tasks', tasks, '--seed', '-3'])).stderr).toMatch(
      /--seed: expected an integer from 0 to 999999999, got '-3'/,
    );
  });

  it('online: re-offers down the ranking and learns from every outcome', async () => {
    const run = await cli([
      'eval',
      '--agents',
      agents,
      '--tasks',
      tasks,
      '--online',
      '--order',
      'file',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const report = lastJson(run.stdout);
    expect(Object.keys(report)).toEqual([
      'scorer',
      'mode',
      'tasks',
      'order',
      'routed_first_time',
      'routed_first_time_second_half',
      'first_try',
      'first_try_second_half',
      'mean_attempts',
      'ece',
      'routed_with_confidence',
      'accuracy_at_coverage',
      'ms_per_task',
    ]);
    // Task 3 takes three attempts (ops, dev, then pen); after learning, task 5 goes to pen first.
    // The second half is tasks 3-5 (from index floor(5 / 2)): two of three first tries.
    expect(report).toMatchObject({
      mode: 'online',
      tasks: 5,
      first_try: 4 / 5,
      first_try_second_half: 2 / 3,
    });
    expect(report.mean_attempts).toBeCloseTo(7 / 5);
  });

  it('with --oos: reports the share of out-of-scope tasks refused and of in-scope tasks accepted', async () => {
    const oos = file(
      'oos.jsonl',
      lines([{ task_id: 'o1', description: 'what is the weather on mars', label: 'oos' }]),
    );
    const run = await cli(['eval', '--agents', agents, '--tasks', tasks, '--oos', oos, '--json']);
    expect(run.stderr).toBe('');
    const report = lastJson(run.stdout);
    expect(Object.keys(report)).toEqual([
      'scorer',
      'mode',
      'tasks',
      'order',
      'seed',
      'routed_correctly',
      'top1',
      'top3',
      'min_capability',
      'oos_rejected',
      'in_scope_accepted',
      'calibrated_min_capability',
      'oos_rejected_at_calibrated',
      'ece',
      'routed_with_confidence',
      'accuracy_at_coverage',
      'ms_per_task',
    ]);
    // Too few examples to estimate a threshold from: `auto` takes that of rosters without, 0.02.
    expect(report.min_capability).toBe(0.02);
    // No manifest knows a word of o1, nor of in-scope tasks 3 and 5: all score 0 and are refused.
    expect(report.oos_rejected).toBe(1);
    expect(report.in_scope_accepted).toBeLessThanOrEqual(3 / 5);
    // Keeping 95% of five in-scope tasks means keeping all five, two of which score 0: threshold 0.
    expect(report).toMatchObject({ calibrated_min_capability: 0, oos_rejected_at_calibrated: 0 });
    // A threshold of 0 accepts everything; 1 refuses everything (a match is never the whole task).
    const atThreshold = async (threshold: string) =>
      lastJson(
        (
          await cli([
            'eval',
            '--agents',
            agents,
            '--tasks',
            tasks,
            '--oos',
            oos,
            '--min-capability',
            threshold,
            '--json',
          ])
        ).stdout,
      );
    expect(await atThreshold('0')).toMatchObject({ oos_rejected: 0, in_scope_accepted: 1 });
    expect(await atThreshold('1')).toMatchObject({ oos_rejected: 1, in_scope_accepted: 0 });
    const bad = await cli(['eval', '--agents', agents, '--tasks', tasks, '--min-capability', '2']);
    expect(bad.stderr).toBe(
      "swarm-router: --min-capability: expected 'auto' or a number from 0 to 1, got '2' (see swarm-router eval --help)\n",
    );
  });

  it('evaluates the classic scorer beside the default one (it gives no confidence)', async () => {
    const run = await cli(['eval', '--agents', agents, '--tasks', tasks, '--scorer', 'classic', '--json']);
    expect(lastJson(run.stdout)).toMatchObject({ scorer: 'classic', mode: 'cold', tasks: 5 });
    expect(lastJson(run.stdout)).not.toHaveProperty('ece');
    // Asked for a confidence threshold it cannot give: said, not silently left out of the report.
    const calibrated = await cli([
      'eval',
      '--agents',
      agents,
      '--tasks',
      tasks,
      '--scorer',
      'classic',
      '--calibrate-on',
      tasks,
    ]);
    expect(calibrated.code).toBe(2);
    expect(calibrated.stdout).toBe('');
    expect(calibrated.stderr).toBe(
      'swarm-router: --calibrate-on: the classic scorer gives no confidence to choose a threshold on (use --scorer default) (see swarm-router eval --help)\n',
    );
  });

  it('reports how calibrated confidence is, and scores a threshold chosen on another split', async () => {
    const report = lastJson((await cli(['eval', '--agents', agents, '--tasks', tasks, '--json'])).stdout);
    // Two tasks routed (both rightly), three refused: at 50% coverage the two and half a refusal.
    expect(report.routed_with_confidence).toBe(2);
    expect(report.ece).toBeGreaterThanOrEqual(0);
    expect(report.accuracy_at_coverage).toEqual({ '0.5': 2 / 3, '0.8': 2 / 4, '0.9': 2 / 5 });
    const calibration = file(
      'calibration.jsonl',
      lines([
        { task_id: 'c1', description: 'reboot the nginx server', label: 'ops' },
        { task_id: 'c2', description: 'my python function has a bug', label: 'dev' },
        { task_id: 'c3', description: 'the python server', label: 'ops' },
      ]),
    );
    const run = (...more: string[]) =>
      cli(['eval', '--agents', agents, '--tasks', tasks, '--calibrate-on', calibration, '--json', ...more]);
    const chosen = lastJson((await run()).stdout);
    expect(chosen).toMatchObject({ target_precision: 0.9, precision_at_threshold: 1 });
    expect(chosen.confidence_threshold).toBeGreaterThan(0);
    expect(chosen.calibration_precision).toBeGreaterThanOrEqual(0.9);
    expect(chosen.coverage_at_threshold).toBeGreaterThan(0);
    const bad = await run('--target-precision', '1.5');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--target-precision: expected a number in \(0, 1\], got '1\.5'/);
    const missing = await run('--calibrate-on', join(dir, 'none.jsonl'));
    expect(missing.code).not.toBe(0);
  });

  it('prints a readable report without --json', async () => {
    const run = await cli(['eval', '--agents', agents, '--tasks', tasks]);
    expect(run.stdout).toMatch(
      /scorer default, cold, 5 tasks shuffled \(seed 1\)\n {2}routed correctly 40\.0% {3}\(ranking: top-1 60\.0% {3}top-3 100\.0%\)\n {2}confidence: expected calibration error [\d.]+ over 2 routed tasks; routed correctly among the most confident 50% [\d.]+%, 80% [\d.]+%, 90% [\d.]+%\n {2}[\d.]+ ms per task\n/,
    );
  });

  it.each([
    [
      'a label that is no agent',
      lines([{ task_id: '1', description: 'x', label: 'ghost' }]),
      /tasks-bad\.jsonl:1: label "ghost" is not an agent/,
    ],
    ['malformed JSON', '{"task_id": "1",\n', /tasks-bad\.jsonl:1: malformed JSON/],
    ['a missing field', lines([{ task_id: '1', label: 'ops' }]), /tasks-bad\.jsonl:1: .*description/],
    ['no tasks at all', '\n\n', /tasks-bad\.jsonl: no tasks to evaluate/],
  ])('refuses %s with one line naming file and line', async (_what, content, message) => {
    const bad = file('tasks-bad.jsonl', content);
    const run = await cli(['eval', '--agents', agents, '--tasks', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an agents file with a bad manifest, naming the field', async () => {
    const bad = file(
      'agents-bad.json',
      JSON.stringify({ agents: [{ agent_id: 'x', agent_name: 'X', capabilities: [' '], keywords: [] }] }),
    );
    const run = await cli(['eval', '--agents', bad, '--tasks', tasks]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/agents-bad\.json: agents\[0\]: capabilities\[0\] must be a non-empty string/);
  });
});

describe('calibrateThreshold', () => {
  it('finds the highest threshold keeping the wanted share of in-scope scores, and what it refuses', async () => {
    const { calibrateThreshold } = await import('../src/eval/run-eval.js');
    const inScope = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
    // Keeping 90% (9 of 10) means accepting everything from 0.2 up.
    expect(calibrateThreshold(inScope, [0.05, 0.15, 0.25, 0.95], 0.9)).toEqual({
      threshold: 0.2,
      oosRejected: 0.5,
    });
    expect(calibrateThreshold(inScope, [], 1)).toEqual({ threshold: 0.1, oosRejected: 0 });
  });
});
