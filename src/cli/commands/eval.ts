import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { DEFAULT_TARGET_PRECISION } from '../../eval/confidence-report.js';
import {
  CALIBRATION_ACCEPTANCE,
  type EvalReport,
  type EvalTask,
  evalPolicy,
  runEval,
} from '../../eval/run-eval.js';
import { DEFAULT_EVAL_SEED, inOrder, type TaskOrder } from '../../eval/task-order.js';
import { RouterError } from '../../kernel/errors.js';
import { createRouter } from '../../router/create-router.js';
import type { Router } from '../../router/router.js';
import { createStore } from '../../store/create-store.js';
import type { LabelledTaskDto } from '../../wire/eval-dto.js';
import { asFlagError, badArgument, usageError } from '../cli-error.js';
import { confidenceDto, confidenceLines, parseTargetPrecision } from '../eval-confidence.js';
import { loadEvalRoster } from '../eval-roster.js';
import { parseJson, readInput } from '../input-files.js';
import { type CliIo, write } from '../io.js';
import { parseMinCapability } from '../min-capability-option.js';
import { startProgress } from '../progress.js';
import { loadRelatedTerms } from '../related-terms-file.js';
import { parseSemantic } from '../semantic-option.js';
import { minCapabilityOption, relatedOption, scorerOption, semanticOption } from '../shared-options.js';

interface EvalFlags {
  readonly agents: string;
  readonly tasks: string;
  readonly scorer?: string;
  readonly related?: string;
  readonly semantic?: string;
  readonly online?: boolean;
  readonly oos?: string;
  readonly minCapability?: string;
  readonly json?: boolean;
  readonly order: string;
  readonly seed: string;
  readonly calibrateOn?: string;
  readonly targetPrecision: string;
}

export function registerEvalCommand(program: Command, io: CliIo): void {
  program
    .command('eval')
    .description(
      'measure routing accuracy on labelled tasks (file formats: docs/cli.md; a sample in examples/eval/)',
    )
    .requiredOption(
      '--agents <file>',
      'roster JSON ({"agents": [...]}; rate_sats may be omitted), an MCP tool list ({"tools": [...]}) or an A2A agent card',
    )
    .requiredOption('--tasks <file>', 'labelled tasks, JSONL: {"task_id", "description", "label"}')
    .addOption(scorerOption())
    .addOption(relatedOption())
    .addOption(semanticOption())
    .option(
      '--online',
      'route as a live swarm would, re-offer failures down the ranking, learn from every outcome',
    )
    .option('--order <how>', 'the order tasks are routed in: shuffled (with --seed) or file', 'shuffled')
    .option('--seed <n>', 'the shuffle seed, so that a figure can be reproduced', String(DEFAULT_EVAL_SEED))
    .option('--oos <file>', 'out-of-scope tasks (JSONL, label "oos" or null) that no agent should take')
    .addOption(minCapabilityOption())
    .option(
      '--calibrate-on <file>',
      'labelled tasks (JSONL, as --tasks) to choose a confidence threshold on; it is scored on --tasks',
    )
    .option(
      '--target-precision <p>',
      'the precision the --calibrate-on threshold must reach (0..1)',
      String(DEFAULT_TARGET_PRECISION),
    )
    .option('--json', 'end stdout with one JSON object holding every figure')
    .action(async (flags: EvalFlags) => {
      const agents = await loadEvalRoster(flags.agents);
      const known = new Set(agents.map((a) => a.agentId));
      if (flags.order !== 'shuffled' && flags.order !== 'file') {
        throw badArgument('--order', 'shuffled or file', flags.order);
      }
      if (!/^\d{1,9}$/.test(flags.seed))
        throw badArgument('--seed', 'an integer from 0 to 999999999', flags.seed);
      const order: TaskOrder = flags.order;
      const seed = Number(flags.seed);
      const tasks = inOrder(await readLabelledTasks(flags.tasks, known), order, seed);
      const config = loadConfig({ related: flags.related, semantic: flags.semantic }, io.env);
      const relatedTerms = await loadRelatedTerms(config.related);
      const semantic = parseSemantic(config.semantic);
      const outOfScope = flags.oos === undefined ? undefined : await readOutOfScopeTasks(flags.oos);
      const targetPrecision = parseTargetPrecision(flags.targetPrecision);
      // Said before any routing: the classic scorer's decisions carry no confidence to threshold.
      if (flags.calibrateOn !== undefined && flags.scorer === 'classic') {
        throw usageError(
          '--calibrate-on',
          '--calibrate-on: the classic scorer gives no confidence to choose a threshold on (use --scorer default)',
        );
      }
      const calibrateOn =
        flags.calibrateOn === undefined
          ? undefined
          : { tasks: await readLabelledTasks(flags.calibrateOn, known), targetPrecision };
      const mode = flags.online === true ? 'online' : 'cold';
      const minCapability =
        flags.minCapability === undefined ? undefined : parseMinCapability(flags.minCapability);
      // Online outcomes go through the store like real outcome reports: an in-memory SQLite log.
      const store = mode === 'online' ? createStore({ location: ':memory:' }) : undefined;
      let router: Router;
      try {
        router = createRouter({
          scorer: flags.scorer,
          ...(relatedTerms === undefined ? {} : { relatedTerms }),
          ...(semantic ? {} : { wordVectors: false as const }),
          policy: evalPolicy(minCapability),
          ...(store === undefined ? {} : { store }),
        });
      } catch (error) {
        await store?.close();
        throw asFlagError(error);
      }
      try {
        for (const agent of agents) router.registerAgent(agent);
        const progress = startProgress(io, tasks.length, `eval ${mode}`);
        const report = await runEval(router, tasks, {
          mode,
          ...(store === undefined ? {} : { store }),
          ...(outOfScope === undefined ? {} : { outOfScope }),
          ...(calibrateOn === undefined ? {} : { calibrateOn }),
          onProgress: (done) => progress.update(done),
        });
        progress.stop();
        await write(
          io.stdout,
          flags.json === true
            ? `${JSON.stringify(toReportDto(report, order, seed))}\n`
            : humanReport(report, order, seed, flags.calibrateOn),
        );
      } finally {
        await router.close();
      }
    });
}

/** Every line of a labelled-task file, schema-checked, with where it came from (`file:line`). */
async function readTaskLines(path: string): Promise<{ dto: LabelledTaskDto; where: string }[]> {
  const { validateLabelledTaskDto } = await import('../../wire/eval-dto.js');
  const rows: { dto: LabelledTaskDto; where: string }[] = [];
  const lines = (await readInput(path)).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const where = `${path}:${i + 1}`;
    rows.push({ dto: validateLabelledTaskDto(parseJson(line, where), where), where });
  }
  return rows;
}

const badLabel = (where: string, message: string): RouterError =>
  new RouterError('invalid_request', `${where}: ${message}`, { details: { where, field: 'label' } });

/** Every line checked before anything is routed; errors name file and line. */
async function readLabelledTasks(path: string, known: ReadonlySet<string>): Promise<EvalTask[]> {
  const tasks = (await readTaskLines(path)).map(({ dto, where }): EvalTask => {
    if (dto.label === null || !known.has(dto.label)) {
      throw badLabel(where, `label ${JSON.stringify(dto.label)} is not an agent of the --agents file`);
    }
    return { taskId: dto.task_id, description: dto.description, label: dto.label };
  });
  if (tasks.length === 0) {
    throw new RouterError('invalid_request', `${path}: no tasks to evaluate`, { details: { where: path } });
  }
  return tasks;
}

/** Out-of-scope tasks: the labelled-task format, with label "oos" or null. */
async function readOutOfScopeTasks(path: string): Promise<{ taskId: string; description: string }[]> {
  return (await readTaskLines(path)).map(({ dto, where }) => {
    if (dto.label !== null && dto.label !== 'oos') {
      throw badLabel(
        where,
        `an out-of-scope task needs label "oos" or null, got ${JSON.stringify(dto.label)}`,
      );
    }
    return { taskId: dto.task_id, description: dto.description };
  });
}

/** The report with the wire's snake_case names. */
function toReportDto(report: EvalReport, order: TaskOrder, seed: number): Record<string, unknown> {
  const dto: Record<string, unknown> = { scorer: report.scorer, mode: report.mode, tasks: report.tasks };
  dto.order = order;
  if (order === 'shuffled') dto.seed = seed;
  if (report.routedCorrectly !== undefined) dto.routed_correctly = report.routedCorrectly;
  if (report.routedFirstTime !== undefined) dto.routed_first_time = report.routedFirstTime;
  if (report.routedFirstTimeSecondHalf !== undefined) {
    dto.routed_first_time_second_half = report.routedFirstTimeSecondHalf;
  }
  if (report.top1 !== undefined) dto.top1 = report.top1;
  if (report.top3 !== undefined) dto.top3 = report.top3;
  if (report.firstTry !== undefined) dto.first_try = report.firstTry;
  if (report.firstTrySecondHalf !== undefined) dto.first_try_second_half = report.firstTrySecondHalf;
  if (report.meanAttempts !== undefined) dto.mean_attempts = report.meanAttempts;
  if (report.minCapability !== undefined) dto.min_capability = report.minCapability;
  if (report.oosRejected !== undefined) dto.oos_rejected = report.oosRejected;
  if (report.inScopeAccepted !== undefined) dto.in_scope_accepted = report.inScopeAccepted;
  if (report.calibratedMinCapability !== undefined) {
    dto.calibrated_min_capability = report.calibratedMinCapability;
    dto.oos_rejected_at_calibrated = report.oosRejectedAtCalibrated;
  }
  if (report.confidence !== undefined) Object.assign(dto, confidenceDto(report.confidence));
  dto.ms_per_task = report.msPerTask;
  return dto;
}

function humanReport(report: EvalReport, order: TaskOrder, seed: number, calibratedOn?: string): string {
  const orderText = order === 'shuffled' ? `shuffled (seed ${seed})` : 'in file order';
  const lines = [
    `scorer ${report.scorer}, ${report.mode}, ${report.tasks.toLocaleString('en-US')} tasks ${orderText}`,
  ];
  const pct = (x: number | undefined): string => `${((x ?? 0) * 100).toFixed(1)}%`;
  if (report.mode === 'cold') {
    lines.push(
      `  routed correctly ${pct(report.routedCorrectly)}   (ranking: top-1 ${pct(report.top1)}   top-3 ${pct(report.top3)})`,
    );
  } else {
    lines.push(
      `  routed correctly the first time ${pct(report.routedFirstTime)} (second half ${pct(report.routedFirstTimeSecondHalf)})`,
      `  (ranking: first try ${pct(report.firstTry)}, second half ${pct(report.firstTrySecondHalf)};   ` +
        `mean attempts ${(report.meanAttempts ?? 0).toFixed(2)})`,
    );
  }
  if (report.oosRejected !== undefined) {
    lines.push(
      `  at threshold ${(report.minCapability ?? 0).toFixed(3)}: out of scope rejected ${pct(report.oosRejected)}   in scope accepted ${pct(report.inScopeAccepted)}`,
      `  calibrated threshold ${(report.calibratedMinCapability ?? 0).toFixed(3)} (keeps ${CALIBRATION_ACCEPTANCE * 100}% in scope): ` +
        `out of scope rejected ${pct(report.oosRejectedAtCalibrated)} — pass it as --min-capability`,
    );
  }
  if (report.confidence !== undefined) lines.push(...confidenceLines(report.confidence, calibratedOn));
  lines.push(`  ${report.msPerTask.toFixed(3)} ms per task`);
  return `${lines.join('\n')}\n`;
}
