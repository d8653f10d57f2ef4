import type { Decision } from '../policy/decision.js';
import { DEFAULT_POLICY, type PolicyConfig } from '../policy/policy.js';
import type { Router } from '../router/router.js';
import { IN_SCOPE_ACCEPTANCE, thresholdKeeping } from '../scoring/threshold.js';
import type { Store } from '../store/store.js';
import type { ConfidencePair } from './calibration-metrics.js';
import { type ConfidenceReport, confidenceReport, decidedPairs, pairOf } from './confidence-report.js';

/**
 * `swarm-router eval`: how well routing picks the labelled agent. Every registered agent is a
 * candidate (each "bids" 0) and the policy ranks on capability alone, so no price enters.
 *
 * - cold: each task is routed once, nothing is learned; reports how often the decision routed it
 *   correctly (chose the labelled agent, and did not refuse it as "no suitable agent"), and beside
 *   it top-1 and top-3 of the ranking, which count a refused task whose labelled agent ranked first.
 * - online: tasks are routed in the order given (eval shuffles them by default: task-order.ts) as a
 *   live swarm would; the pick succeeds if it is the
 *   labelled agent, otherwise it fails and the task is re-offered down the ranking until the labelled
 *   agent takes it. Every outcome is stored and learned before the next task is routed, as the
 *   service's task lifecycle does with the outcome of a re-offered task (the store's append, then
 *   `router.learnOutcome`): `router.recordOutcome` takes the selected agent's report only, and the
 *   re-offers here go down the whole ranking, "no suitable agent" or not, so that what the figures
 *   measure — how learning moves the labelled agent up — does not depend on the threshold.
 * - confidence (both modes, scorers that give one): how well each decision's confidence is
 *   calibrated and what it buys (confidence-report.ts); online, each task's first decision counts.
 */
export function evalPolicy(minCapability = DEFAULT_POLICY.minCapability ?? 0): PolicyConfig {
  return Object.freeze({
    name: 'eval-ranking',
    signals: Object.freeze([Object.freeze({ name: 'capability', weight: 1 })]),
    // The default policy's threshold: below it the answer is "no suitable agent" (--oos measures it).
    minCapability,
  });
}

export type EvalMode = 'cold' | 'online';

/** The in-scope acceptance the calibrated threshold keeps (the target for clinc150). */
export const CALIBRATION_ACCEPTANCE = IN_SCOPE_ACCEPTANCE;

/** Best capability match of a decision among every agent (in eval, every agent bids). */
function bestCapability(decision: Decision): number {
  let best = 0;
  for (let i = 0; i < decision.capability.length; i++)
    best = Math.max(best, decision.capability[i] as number);
  return best;
}

/**
 * The highest threshold t such that at least `acceptance` of `inScope` scores are ≥ t, and the share
 * of `outOfScope` scores below it.
 */
export function calibrateThreshold(
  inScope: readonly number[],
  outOfScope: readonly number[],
  acceptance: number,
): { threshold: number; oosRejected: number } {
  const threshold = thresholdKeeping(inScope, acceptance);
  const rejected = outOfScope.filter((s) => s < threshold).length;
  return { threshold, oosRejected: outOfScope.length === 0 ? 0 : rejected / outOfScope.length };
}

export interface EvalTask {
  readonly taskId: string;
  readonly description: string;
  /** The agent that should take the task. */
  readonly label: string;
}

export interface EvalOptions {
  readonly mode: EvalMode;
  /** Tasks that no agent should take: each is routed once, after the labelled ones. */
  readonly outOfScope?: readonly { readonly taskId: string; readonly description: string }[];
  /** Called every few hundred tasks with how many are done. */
  readonly onProgress?: (done: number) => void;
  /** online: the router's store, where outcomes are recorded. */
  readonly store?: Store;
  /**
   * Labelled tasks to choose a confidence threshold on, for a target precision, before anything is
   * learned; the threshold is then scored on the evaluated tasks (ConfidenceReport.selective).
   */
  readonly calibrateOn?: { readonly tasks: readonly EvalTask[]; readonly targetPrecision: number };
}

export interface EvalReport {
  readonly scorer: string;
  readonly mode: EvalMode;
  readonly tasks: number;
  /** The decision chose the labelled agent (not "no suitable agent"): cold, over all tasks. */
  readonly routedCorrectly?: number;
  /** online: the first decision chose the labelled agent, over all tasks and over the second half. */
  readonly routedFirstTime?: number;
  readonly routedFirstTimeSecondHalf?: number;
  /** cold: the labelled agent ranked first / within the first three. */
  readonly top1?: number;
  readonly top3?: number;
  /** online: the first pick was the labelled agent, over all tasks and over the second half. */
  readonly firstTry?: number;
  readonly firstTrySecondHalf?: number;
  /** online: agents tried per task, the labelled one included. */
  readonly meanAttempts?: number;
  /**
   * With out-of-scope tasks: the policy's threshold (an `auto` one resolved for this roster), the
   * share of out-of-scope tasks answered "no suitable agent" at it, and of labelled tasks accepted.
   */
  readonly minCapability?: number;
  readonly oosRejected?: number;
  readonly inScopeAccepted?: number;
  /**
   * With out-of-scope tasks: the highest threshold that still accepts CALIBRATION_ACCEPTANCE of the
   * labelled tasks, and the share of out-of-scope tasks it refuses — the threshold to configure for
   * this roster (`minCapability`), since capability scores sit lower on small rosters than on large ones.
   */
  readonly calibratedMinCapability?: number;
  readonly oosRejectedAtCalibrated?: number;
  /** Calibration of the decisions' confidence; absent when the scorer gives none. */
  readonly confidence?: ConfidenceReport;
  readonly msPerTask: number;
}

/** The candidates of a decision, best first; ties keep roster order (the policy's tie rule). */
function ranking(decision: Decision): string[] {
  const order = decision.bidders.map((_, i) => i);
  order.sort(
    (a, b) => (decision.bidders[b]?.combined as number) - (decision.bidders[a]?.combined as number) || a - b,
  );
  return order.map((i) => decision.bidders[i]?.agentId as string);
}

/**
 * Runs an evaluation on a router whose roster holds the agents and whose policy is EVAL_POLICY (the
 * CLI builds it). Online mode needs a router with a store, passed as `options.store` too, since
 * outcomes are recorded there.
 */
export async function runEval(
  router: Router,
  tasks: readonly EvalTask[],
  options: EvalOptions,
): Promise<EvalReport> {
  const store = options.store;
  if (options.mode === 'online' && store === undefined) {
    throw new TypeError('expected options.store for an online evaluation, got none');
  }
  const bids = router.registry.list().map((agent) => ({ agentId: agent.agentId, bidSats: 0 }));
  // Decided before the evaluated tasks, so that nothing learned from them moves the threshold.
  const calibration =
    options.calibrateOn === undefined
      ? undefined
      : {
          pairs: decidedPairs(router, options.calibrateOn.tasks, bids),
          targetPrecision: options.calibrateOn.targetPrecision,
        };
  const pairs: ConfidencePair[] = [];
  const started = performance.now();
  let top1 = 0;
  let top3 = 0;
  let routed = 0;
  let routedSecondHalf = 0;
  let firstTry = 0;
  let firstTrySecondHalf = 0;
  let attempts = 0;
  let accepted = 0;
  const inScopeBest: number[] = [];
  const secondHalfFrom = Math.floor(tasks.length / 2);
  for (let t = 0; t < tasks.length; t++) {
    const task = tasks[t] as EvalTask;
    const request = { taskId: task.taskId, description: task.description, bids };
    if (options.mode === 'cold') {
      const decision = router.decide(request);
      pairs.push(pairOf(decision, task.label));
      if (decision.selectedAgent !== null) accepted++;
      if (decision.selectedAgent === task.label) routed++;
      inScopeBest.push(bestCapability(decision));
      const ranked = ranking(decision);
      if (ranked[0] === task.label) top1++;
      if (ranked.slice(0, 3).includes(task.label)) top3++;
    } else {
      const decision = await router.route(request);
      pairs.push(pairOf(decision, task.label));
      if (decision.selectedAgent !== null) accepted++;
      if (decision.selectedAgent === task.label) {
        routed++;
        if (t >= secondHalfFrom) routedSecondHalf++;
      }
      inScopeBest.push(bestCapability(decision));
      let tries = 0;
      for (const agentId of ranking(decision)) {
        tries++;
        const succeeded = agentId === task.label;
        const recorded = await (store as Store).appendOutcome(
          { seq: decision.seq, agentId, status: succeeded ? 'completed' : 'failed' },
          Date.now(),
        );
        router.learnOutcome(recorded);
        if (succeeded) break;
      }
      attempts += tries;
      if (tries === 1) {
        firstTry++;
        if (t >= secondHalfFrom) firstTrySecondHalf++;
      }
    }
    if ((t + 1) % 250 === 0) options.onProgress?.(t + 1);
  }
  const n = tasks.length;
  const ratio = (count: number, of: number): number => (of === 0 ? 0 : count / of);
  const msPerTask = ratio(performance.now() - started, n);
  let oos: Pick<
    EvalReport,
    | 'minCapability'
    | 'oosRejected'
    | 'inScopeAccepted'
    | 'calibratedMinCapability'
    | 'oosRejectedAtCalibrated'
  > = {};
  if (options.outOfScope !== undefined) {
    let rejected = 0;
    const outOfScopeBest: number[] = [];
    for (const task of options.outOfScope) {
      const decision = router.decide({ taskId: task.taskId, description: task.description, bids });
      if (decision.selectedAgent === null) rejected++;
      outOfScopeBest.push(bestCapability(decision));
    }
    const calibrated = calibrateThreshold(inScopeBest, outOfScopeBest, CALIBRATION_ACCEPTANCE);
    oos = {
      minCapability: router.policy.minCapability ?? 0,
      oosRejected: ratio(rejected, options.outOfScope.length),
      inScopeAccepted: ratio(accepted, n),
      calibratedMinCapability: calibrated.threshold,
      oosRejectedAtCalibrated: calibrated.oosRejected,
    };
  }
  options.onProgress?.(tasks.length);
  const scorer = router.policy.scorer;
  const confidence = confidenceReport(pairs, calibration);
  const confident = confidence === undefined ? {} : { confidence };
  return options.mode === 'cold'
    ? {
        scorer,
        mode: 'cold',
        tasks: n,
        routedCorrectly: ratio(routed, n),
        top1: ratio(top1, n),
        top3: ratio(top3, n),
        ...oos,
        ...confident,
        msPerTask,
      }
    : {
        scorer,
        mode: 'online',
        tasks: n,
        routedFirstTime: ratio(routed, n),
        routedFirstTimeSecondHalf: ratio(routedSecondHalf, n - secondHalfFrom),
        firstTry: ratio(firstTry, n),
        firstTrySecondHalf: ratio(firstTrySecondHalf, n - secondHalfFrom),
        meanAttempts: ratio(attempts, n),
        ...oos,
        ...confident,
        msPerTask,
      };
}
