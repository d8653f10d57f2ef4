import type { AgentManifest } from '../manifest/manifest.js';
import { type DefaultConfidenceConfig, withDefaultConfidence } from './default-confidence.js';
import {
  DEFAULT_SEMANTIC_CONFIG,
  type SemanticChannel,
  type SemanticConfig,
} from './embeddings/semantic-channel.js';
import { SemanticSentences } from './embeddings/semantic-sentences.js';
import type { WordVectors } from './embeddings/word-vectors.js';
import { DEFAULT_RERANKER_CONFIG, ExampleReranker, type RerankerConfig } from './example-reranker.js';
import {
  buildIndex,
  type Compiled,
  distinctTerms,
  type LexicalScorer,
  lexicalScorer,
} from './lexical-scorer.js';
import {
  type AnalysedManifest,
  type Bag,
  bagOf,
  type FieldWeights,
  ManifestAnalyses,
} from './manifest-bag.js';
import type { CompiledScorer, IndexedRoster, Scorer, StepwiseScorer } from './scorer.js';
import { runSteps, type Steps } from './steps.js';
import { type Analyzer, defaultAnalyzer } from './text/analyzer.js';
import { mergeRelatedTerms, RelatedTerms, type RelatedTermsTable } from './text/related-terms.js';

/**
 * The default scorer: how much of a task's informative content an agent's manifest (and what
 * outcomes taught about the agent) covers, in [0, 1].
 *
 * It is BM25F (Robertson & Zaragoza 2009) over the manifest's fields, each field's term frequencies
 * weighted and summed into one bag per agent, with three additions:
 * - related terms (text/related-terms.ts) of each capability and keyword tag join the bag at a lower
 *   weight, so a `coding` agent is found by "segfault in my function";
 * - learned evidence joins it too: terms of tasks the agent completed add weight, terms of tasks it
 *   failed subtract (text-evidence.ts);
 * - the sum is normalised by the task's total idf, unknown words included, so the score reads as "the
 *   share of this task's informative words the agent covers" and compares across tasks and rosters
 *   (a threshold on it can say "no suitable agent").
 *
 * Cost: an inverted index from term to (agent, weight) postings, so scoring walks the postings of the
 * task's terms only; its cost grows with the task's length and those terms' postings, not with the
 * roster (apart from the result array itself). Compiling is stepwise (scorer.ts, StepwiseScorer):
 * each manifest is analysed once (cached by manifest object), the index is rebuilt from the
 * analyses at each roster change, and the example reranker trains in pieces.
 */
export const DEFAULT_SCORER_NAME = 'default';

/** Manifests taken from the analysis cache between pauses. */
const CACHED_PER_PIECE = 2_000;

export type { FieldWeights } from './manifest-bag.js';

export interface DefaultScorerConfig {
  readonly analyzer?: Analyzer;
  /** Related-terms table (tag → words). Default: the built-in table. */
  readonly relatedTerms?: RelatedTermsTable;
  readonly fieldWeights?: Partial<FieldWeights>;
  /**
   * BM25 term-frequency saturation. Default 2.5: manifests repeat their key words across examples and
   * tags, and a slower saturation lets that repetition count (dev splits, docs/BENCHMARKS.md).
   */
  readonly k1?: number;
  /** BM25 length normalisation, 0..1. Default 0.5: long manifests are penalised half as much as usual. */
  readonly b?: number;
  /** Weight of one unit of positive learned evidence, as a term frequency. Default 1. */
  readonly evidenceWeight?: number;
  /**
   * How much a saturated negative evidence subtracts, relative to a saturated match, and the most
   * that failures may take away of an agent's match on a task. Default 0.5.
   */
  readonly failurePenalty?: number;
  /**
   * How much a task word that no agent knows weighs in the normalisation, relative to the idf of a
   * word only one agent knows. Default 2: such words are the strongest sign that a task is about
   * something else, so they pull every agent's score down (they cannot change the ranking). On
   * clinc150's dev split this lifts out-of-scope refusal at 95% in-scope acceptance from 0.42 to 0.48.
   */
  readonly unknownTermWeight?: number;
  /**
   * Weight of a stop word ("what", "your", "can") matched in task-like text — examples and the tasks
   * learned from — relative to other words; elsewhere (names, tags, descriptions) stop words are
   * dropped. Default 0.5. Short requests are often mostly function words ("what is your name"):
   * on clinc150's dev split this lifts top-1 from 0.742 to 0.781; at 1 it reaches 0.789 but
   * stackexchange6, whose examples are question titles, falls from 0.538 to 0.513.
   */
  readonly functionWordWeight?: number;
  /**
   * The learned reordering of agents that have examples (example-reranker.ts), or false for the
   * lexical score alone. Default: on, with DEFAULT_RERANKER_CONFIG.
   */
  readonly reranker?: false | Partial<RerankerConfig>;
  /**
   * How confidence (CompiledScorer.confidence) is computed (default-confidence.ts), or false for
   * none. Default: the temperature of the roster's kind (DEFAULT_TEMPERATURE with examples,
   * EXAMPLE_LESS_TEMPERATURE without), corrected online from outcomes.
   */
  readonly confidence?: false | DefaultConfidenceConfig;
  /**
   * Word vectors for the semantic channel (embeddings/semantic-channel.ts), asked for at the first
   * compile of a roster with agents that have examples; undefined, or a getter giving undefined: the
   * channel is off. The scorer does no I/O: the router passes the shipped vectors.
   */
  readonly wordVectors?: () => WordVectors | undefined;
  /** The semantic channel's settings, or false for none. Default: DEFAULT_SEMANTIC_CONFIG. */
  readonly semantic?: false | Partial<SemanticConfig>;
}

/**
 * Tags (capabilities, keywords) weigh twice a sentence's words: they are the words the agent's owner
 * chose to describe it. Related terms weigh half a word of the agent's own.
 */
export const DEFAULT_FIELD_WEIGHTS: FieldWeights = Object.freeze({
  name: 1,
  capabilities: 2,
  keywords: 2,
  description: 1,
  examples: 1,
  related: 0.5,
});

export function createDefaultScorer(config: DefaultScorerConfig = {}): Scorer {
  const analyzer = config.analyzer ?? defaultAnalyzer;
  const related = new RelatedTerms(config.relatedTerms ?? mergeRelatedTerms(undefined), analyzer);
  const weights: FieldWeights = { ...DEFAULT_FIELD_WEIGHTS, ...config.fieldWeights };
  const k1 = config.k1 ?? 2.5;
  const b = config.b ?? 0.5;
  const evidenceWeight = config.evidenceWeight ?? 1;
  const failurePenalty = config.failurePenalty ?? 0.5;
  const unknownTermWeight = config.unknownTermWeight ?? 2;
  const functionWordWeight = config.functionWordWeight ?? 0.5;
  for (const [name, value] of Object.entries({
    ...weights,
    k1,
    evidenceWeight,
    failurePenalty,
    unknownTermWeight,
    functionWordWeight,
  })) {
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new TypeError(`expected ${name} to be a finite number ≥ 0, got ${value} (${typeof value})`);
    }
  }
  if (!(b >= 0 && b <= 1)) throw new TypeError(`expected b in [0, 1], got ${b} (${typeof b})`);
  const rerankerConfig =
    config.reranker === false
      ? undefined
      : checkedRerankerConfig({ ...DEFAULT_RERANKER_CONFIG, ...config.reranker });
  const semanticConfig =
    config.semantic === false || config.wordVectors === undefined
      ? undefined
      : checkedSemanticConfig({ ...DEFAULT_SEMANTIC_CONFIG, ...config.semantic });
  const sentences =
    semanticConfig === undefined || config.wordVectors === undefined
      ? undefined
      : new SemanticSentences(config.wordVectors, semanticConfig);
  const settings: Compiled = {
    analyzer,
    related,
    weights,
    k1,
    b,
    evidenceWeight,
    failurePenalty,
    unknownTermWeight,
    functionWordWeight,
  };
  const analyses = new ManifestAnalyses(settings);
  const analyseAll = function* (agents: readonly AgentManifest[]): Steps<AnalysedManifest[]> {
    const analysed: AnalysedManifest[] = [];
    for (let i = 0; i < agents.length; i++) {
      analysed.push(yield* analyses.of(agents[i] as AgentManifest));
      if (i % CACHED_PER_PIECE === CACHED_PER_PIECE - 1) yield;
    }
    return analysed;
  };
  const indexes = new WeakSet<DefaultIndex>();
  const models = new WeakSet<ExampleReranker>();
  const stepwise: StepwiseScorer = {
    *index(agents, evidence) {
      const bags: Bag[] = [];
      for (let i = 0; i < agents.length; i++) {
        bags.push(yield* analyses.bagOf(agents[i] as AgentManifest));
        // Analysed before, a manifest yields no piece of its own: 50,000 of them were one piece.
        if (i % CACHED_PER_PIECE === CACHED_PER_PIECE - 1) yield;
      }
      const built = yield* buildIndex(bags);
      yield;
      // Each of these walks the roster once (positions, lengths; ids): separate pieces.
      const lexical = lexicalScorer(agents, evidence, built, settings);
      yield;
      const semantic = sentences === undefined ? undefined : yield* sentences.channelOf(agents);
      const indexed: DefaultIndex = {
        agentIds: agents.map((agent) => agent.agentId),
        positionOf: lexical.positionOf,
        lexical,
        ...(semantic === undefined ? {} : { semantic }),
      };
      indexes.add(indexed);
      return indexed;
    },
    *train(agents) {
      if (rerankerConfig === undefined) return undefined;
      const analysed = yield* analyseAll(agents);
      const semantic = sentences === undefined ? undefined : yield* sentences.channelOf(agents);
      const model = yield* ExampleReranker.trainInSteps(
        {
          agentIds: agents.map((agent) => agent.agentId),
          exampleTerms: analysed.map((a) => a.examples),
          *foldLexical(keep) {
            const bags: Bag[] = [];
            for (let i = 0; i < analysed.length; i++) {
              bags.push(bagOf(analysed[i] as AnalysedManifest, settings, (j) => keep(i, j)));
              yield;
            }
            return lexicalScorer(agents, undefined, yield* buildIndex(bags), settings);
          },
          ...(semantic === undefined
            ? {}
            : {
                heldOutScores: (scores: Float64Array, position: number, example: number) =>
                  semantic.heldOutScores(scores, position, example),
              }),
        },
        rerankerConfig,
      );
      if (model !== undefined) models.add(model);
      return model;
    },
    bind(indexed, model) {
      if (!indexes.has(indexed as DefaultIndex)) {
        throw new TypeError('expected a roster indexed by this default scorer, got another');
      }
      const { lexical, positionOf, semantic } = indexed as DefaultIndex;
      if (model === undefined) {
        return semantic === undefined ? lexical : withSemantic(lexical, semantic, analyzer);
      }
      if (!models.has(model as ExampleReranker)) {
        throw new TypeError('expected a model trained by this default scorer, got another');
      }
      const reranker = (model as ExampleReranker).bind(positionOf);
      // The semantic part joins before the reranker, which was trained on fused held-out scores.
      const fused = (description: string, scores: Float64Array): Float64Array =>
        semantic === undefined ? scores : semantic.fuse(description, scores);
      const { onlineLearningRate, l2 } = rerankerConfig as RerankerConfig;
      return {
        ...(model.suggestedMinCapability === undefined
          ? {}
          : { suggestedMinCapability: model.suggestedMinCapability }),
        score: (description) => {
          const terms = distinctTerms(analyzer, description);
          return reranker.rerank(terms, fused(description, lexical.scoreTerms(terms)));
        },
        scoreInto: (description, into) => {
          const terms = distinctTerms(analyzer, description);
          return reranker.rerank(terms, fused(description, lexical.scoreTerms(terms, into)));
        },
        learn: (description, agentId, succeeded) => {
          if (!succeeded || !positionOf.has(agentId)) return;
          const terms = distinctTerms(analyzer, description);
          reranker.learn(
            terms,
            agentId,
            fused(description, lexical.scoreTerms(terms)),
            onlineLearningRate,
            l2,
          );
        },
      };
    },
  };
  // Every compiled roster also says how sure it is of each agent (default-confidence.ts).
  const confident = withDefaultConfidence(stepwise, config.confidence);
  return {
    name: DEFAULT_SCORER_NAME,
    // Learned evidence comes from tasks, which are task-like text: stop words kept, like examples.
    analyze: (text) => analyzer.termsWithStopWords(text),
    compile: (agents, evidence) =>
      confident.bind(runSteps(confident.index(agents, evidence)), runSteps(confident.train(agents))),
    stepwise: confident,
  };
}

/** The default scorer's IndexedRoster. */
interface DefaultIndex extends IndexedRoster {
  readonly positionOf: ReadonlyMap<string, number>;
  readonly lexical: LexicalScorer;
  /** The semantic channel, where the roster has agents with examples and vectors were given. */
  readonly semantic?: SemanticChannel;
}

/** The lexical scorer with the semantic channel fused in (no reranker model). */
function withSemantic(lexical: LexicalScorer, semantic: SemanticChannel, analyzer: Analyzer): CompiledScorer {
  return {
    score: (description) =>
      semantic.fuse(description, lexical.scoreTerms(distinctTerms(analyzer, description))),
    scoreInto: (description, into) =>
      semantic.fuse(description, lexical.scoreTerms(distinctTerms(analyzer, description), into)),
  };
}

function checkedSemanticConfig(config: SemanticConfig): SemanticConfig {
  const { weight, floor, nearest, minExamples, maxAgents } = config;
  if (!(weight >= 0 && weight <= 1)) {
    throw new TypeError(`expected semantic.weight in [0, 1], got ${weight} (${typeof weight})`);
  }
  if (!(nearest >= 0 && nearest <= 1)) {
    throw new TypeError(`expected semantic.nearest in [0, 1], got ${nearest} (${typeof nearest})`);
  }
  if (!(floor >= 0 && floor < 1)) {
    throw new TypeError(`expected semantic.floor in [0, 1), got ${floor} (${typeof floor})`);
  }
  for (const [name, value] of Object.entries({ minExamples, maxAgents })) {
    if (!(Number.isInteger(value) && value >= 1)) {
      throw new TypeError(`expected semantic.${name} to be an integer ≥ 1, got ${value} (${typeof value})`);
    }
  }
  return config;
}

function checkedRerankerConfig(config: RerankerConfig): RerankerConfig {
  const { folds, epochs, maxWeights, maxClasses, ...rates } = config;
  if (!(Number.isInteger(folds) && folds >= 2)) {
    throw new TypeError(`expected reranker.folds to be an integer ≥ 2, got ${folds} (${typeof folds})`);
  }
  for (const [name, value] of Object.entries({ epochs, maxWeights, maxClasses })) {
    if (!(Number.isInteger(value) && value >= 0)) {
      throw new TypeError(`expected reranker.${name} to be an integer ≥ 0, got ${value} (${typeof value})`);
    }
  }
  for (const [name, value] of Object.entries(rates)) {
    if (!(Number.isFinite(value) && value >= 0)) {
      throw new TypeError(
        `expected reranker.${name} to be a finite number ≥ 0, got ${value} (${typeof value})`,
      );
    }
  }
  return config;
}
