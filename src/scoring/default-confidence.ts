import type { AgentManifest } from '../manifest/manifest.js';
import {
  DEFAULT_PLATT_CONFIG,
  type PlattConfig,
  PlattCorrection,
  softmaxProbability,
  softmaxProbabilityBinned,
} from './confidence.js';
import type { CompiledScorer, IndexedRoster, StepwiseScorer, TrainedModel } from './scorer.js';

/**
 * The default scorer's confidence (CompiledScorer.confidence): the softmax of the roster's scores at
 * a temperature (confidence.ts), corrected online by a Platt map that each outcome moves a step.
 *
 * The temperature is the trained model's when it has one (fitted on the roster's examples,
 * TrainedModel.temperature), else DefaultConfidenceConfig.temperature, else the default for the
 * roster's kind: DEFAULT_TEMPERATURE for a roster whose agents have examples, and
 * EXAMPLE_LESS_TEMPERATURE for one whose agents mostly do not (a tool list, the personas). The two
 * kinds score on different scales — without examples a task matches a one-line description with a
 * small share of its words, and the best match sits near 0.04 — and one temperature for both left
 * such rosters' confidence far too low (ECE 0.33 on metatool; docs/BENCHMARKS.md, Calibration).
 * The map belongs to one compiled roster: when the router recompiles, it replays its latest outcomes
 * into the new one (create-router.ts), as it does for the example reranker.
 */

/**
 * The temperature of least negative log-likelihood of the right agent on the dev splits of
 * stackexchange6 and clinc150, weighed equally (bench/fit-temperature.ts; each alone chooses
 * 0.044): the temperature of rosters with examples (docs/BENCHMARKS.md, Calibration). Scores are the
 * default scorer's capability, in [0, 1]; refit when the scorer changes how it scores.
 */
export const DEFAULT_TEMPERATURE = 0.044;

/**
 * Where the online correction starts: the map σ(a · logit(p) + b) of least negative log-likelihood
 * of the routed decisions being right on the dev splits of stackexchange6 and clinc150, weighed
 * equally (bench/fit-confidence-map.ts). The softmax alone is overconfident at the top and
 * underconfident below on clinc150 (ECE 0.089); with the map, 0.047 on stackexchange6 and 0.043 on
 * clinc150 (docs/BENCHMARKS.md, Calibration).
 * Refit with the temperature.
 */
export const DEFAULT_PLATT_START: PlattStart = Object.freeze({
  initialSlope: 0.43,
  initialIntercept: 0.37,
});

/**
 * The same two fits for rosters whose agents mostly have no examples, chosen on the three such dev
 * rosters, weighed equally: metatool's tools, and stackexchange6 and clinc150 with their examples
 * removed (bench/fit-temperature.ts and bench/fit-confidence-map.ts with `--without-examples`).
 */
export const EXAMPLE_LESS_TEMPERATURE = 0.0132;
export const EXAMPLE_LESS_PLATT_START: PlattStart = Object.freeze({
  initialSlope: 0.31,
  initialIntercept: 0.27,
});

/** A roster counts as one with examples when at least this share of its agents have some. */
const EXAMPLE_SHARE = 0.5;

/** Whether a roster takes the calibration of rosters with examples. */
export function rosterHasExamples(agents: readonly AgentManifest[]): boolean {
  let withExamples = 0;
  for (const agent of agents) if ((agent.examples?.length ?? 0) > 0) withExamples++;
  return agents.length > 0 && withExamples >= EXAMPLE_SHARE * agents.length;
}

export interface DefaultConfidenceConfig {
  /**
   * The softmax temperature when the trained model has none, for every roster. Default
   * DEFAULT_TEMPERATURE or EXAMPLE_LESS_TEMPERATURE, by the roster's kind.
   */
  readonly temperature?: number;
  /**
   * The correction, fitted offline and then moved by outcomes, or false for none. Default
   * DEFAULT_PLATT_CONFIG starting at DEFAULT_PLATT_START or EXAMPLE_LESS_PLATT_START, by the
   * roster's kind; a start given here applies to both.
   */
  readonly platt?: false | Partial<PlattConfig>;
}

type PlattStart = Pick<PlattConfig, 'initialSlope' | 'initialIntercept'>;

/** What one kind of roster is calibrated with before any outcome. */
interface RosterCalibration {
  readonly temperature: number;
  readonly platt: false | PlattConfig;
}

/**
 * `inner` with confidence on every compiled roster it binds; false: `inner` as it is. Throws
 * TypeError for a temperature that is not a finite number > 0 or a Platt configuration that
 * PlattCorrection refuses.
 */
export function withDefaultConfidence(
  inner: StepwiseScorer,
  config: DefaultConfidenceConfig | false = {},
): StepwiseScorer {
  if (config === false) return inner;
  if (config.temperature !== undefined) checkedTemperature(config.temperature, 'temperature');
  const kindOf = (temperature: number, start: PlattStart): RosterCalibration => ({
    temperature,
    platt: config.platt === false ? false : { ...DEFAULT_PLATT_CONFIG, ...start, ...config.platt },
  });
  const withExamples = kindOf(DEFAULT_TEMPERATURE, DEFAULT_PLATT_START);
  const withoutExamples = kindOf(EXAMPLE_LESS_TEMPERATURE, EXAMPLE_LESS_PLATT_START);
  if (withExamples.platt !== false) new PlattCorrection(withExamples.platt); // checks it once, here
  // Which kind each indexed roster is: the index sees the manifests, bind only their ids.
  const calibrationOf = new WeakMap<IndexedRoster, RosterCalibration>();
  return {
    *index(agents, evidence) {
      const indexed = yield* inner.index(agents, evidence);
      calibrationOf.set(indexed, rosterHasExamples(agents) ? withExamples : withoutExamples);
      return indexed;
    },
    train: (agents) => inner.train(agents),
    bind: (indexed: IndexedRoster, model: TrainedModel | undefined) => {
      const kind = calibrationOf.get(indexed) ?? withExamples;
      return confidentScorer(
        inner.bind(indexed, model),
        indexed.agentIds,
        model?.temperature === undefined
          ? (config.temperature ?? kind.temperature)
          : checkedTemperature(model.temperature, 'model.temperature'),
        kind.platt === false ? undefined : new PlattCorrection(kind.platt),
      );
    },
  };
}

/**
 * Rosters larger than this take the binned softmax (confidence.ts: within 10⁻⁵ of the exact one),
 * smaller ones the exact pass: an exponential per score is nothing at 150 agents and 0.35 ms a
 * decision at 50,000 tools.
 */
const BINNED_FROM = 4_096;

function probability(scores: ArrayLike<number>, position: number, temperature: number): number {
  return scores.length > BINNED_FROM
    ? softmaxProbabilityBinned(scores, position, temperature)
    : softmaxProbability(scores, position, temperature);
}

function checkedTemperature(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new TypeError(`expected ${name} to be a finite number > 0, got ${value} (${typeof value})`);
  }
  return value;
}

/** `compiled` with confidence(), and a learn() that also moves the Platt map. */
function confidentScorer(
  compiled: CompiledScorer,
  agentIds: readonly string[],
  temperature: number,
  platt: PlattCorrection | undefined,
): CompiledScorer {
  // Built at the first outcome, not at bind: at 50,000 agents a map is a few milliseconds that a
  // roster which never hears of an outcome need not spend.
  let positionOf: Map<string, number> | undefined;
  const learnInner = compiled.learn === undefined ? undefined : compiled.learn.bind(compiled);
  const scoreInto = compiled.scoreInto?.bind(compiled);
  let scratch: Float64Array = new Float64Array(0);
  // The scores of the last task an outcome was learned for: a task re-offered down the ranking
  // brings one outcome per agent tried, all about the scores its decision saw, and scoring it again
  // for each had tripled the cost of an online evaluation on metatool (5.5 outcomes a task).
  let lastDescription: string | undefined;
  let lastScores: Float64Array = new Float64Array(0);
  return {
    score: (description) => compiled.score(description),
    ...(scoreInto === undefined ? {} : { scoreInto }),
    ...(compiled.suggestedMinCapability === undefined
      ? {}
      : { suggestedMinCapability: compiled.suggestedMinCapability }),
    confidence: (scores, position) => {
      const p = probability(scores, position, temperature);
      return platt === undefined ? p : platt.apply(p);
    },
    ...(platt === undefined && learnInner === undefined
      ? {}
      : {
          learn: (description: string, agentId: string, succeeded: boolean) => {
            if (platt !== undefined) {
              positionOf ??= new Map(agentIds.map((id, i) => [id, i]));
              const position = positionOf.get(agentId);
              if (position !== undefined) {
                // The probability the decision would have given this agent: scored before the
                // outcome is learned by the scorer below (which changes the scores).
                if (description !== lastDescription) {
                  if (scoreInto === undefined) lastScores = compiled.score(description);
                  else {
                    if (scratch.length < agentIds.length) scratch = new Float64Array(agentIds.length);
                    lastScores = scoreInto(description, scratch);
                  }
                  lastDescription = description;
                }
                platt.learn(probability(lastScores, position, temperature), succeeded);
              }
            }
            learnInner?.(description, agentId, succeeded);
          },
        }),
  };
}
