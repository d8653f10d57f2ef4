import type { AgentManifest } from '../manifest/manifest.js';
import type { Steps } from './steps.js';
import type { Analyzer } from './text/analyzer.js';
import type { RelatedTerms } from './text/related-terms.js';

/** How much each manifest field counts, per occurrence of a term. */
export interface FieldWeights {
  readonly name: number;
  readonly capabilities: number;
  readonly keywords: number;
  readonly description: number;
  readonly examples: number;
  /** Related terms of the agent's capability and keyword tags. */
  readonly related: number;
}

/** What building a bag needs from the default scorer's configuration. */
export interface BagSettings {
  readonly analyzer: Analyzer;
  readonly related: RelatedTerms;
  readonly weights: FieldWeights;
  /** Weight of a stop word met in an example, relative to other words. */
  readonly functionWordWeight: number;
}

/**
 * A manifest's fields as terms. Analysis is most of what indexing a roster costs, and a roster is
 * indexed again at every change (and once per cross-fitting fold when the reranker trains), so each
 * manifest is analysed once (ManifestAnalyses) and its bags are built from these.
 */
export interface AnalysedManifest {
  readonly name: readonly string[];
  /** Per tag, in declared order. */
  readonly capabilities: readonly (readonly string[])[];
  readonly keywords: readonly (readonly string[])[];
  readonly description: readonly string[];
  /** Per example, stop words kept (examples are task-like text). */
  readonly examples: readonly (readonly string[])[];
  /** The related terms of all its tags, each once. */
  readonly related: readonly string[];
}

/** The words of an agent's name fields: its id is often an identifier ("JobTool", "find_phone"). */
function nameText(agent: AgentManifest): string {
  return `${agent.agentId.replace(/[_.]+/g, ' ')} ${agent.agentName}`;
}

/** Analyses one manifest, a field, a tag or an example per piece. */
export function* analyseManifest(agent: AgentManifest, c: BagSettings): Steps<AnalysedManifest> {
  const { analyzer } = c;
  const name = analyzer.terms(nameText(agent));
  const capabilities: string[][] = [];
  const keywords: string[][] = [];
  // Each related term once per agent, however many of its tags lead to it.
  const related = new Set<string>();
  for (const [tags, out] of [
    [agent.capabilities, capabilities],
    [agent.keywords, keywords],
  ] as const) {
    for (const tag of tags) {
      out.push(analyzer.terms(tag));
      for (const term of c.related.relatedTo(tag)) related.add(term);
      yield;
    }
  }
  const description = analyzer.terms(agent.description ?? '');
  yield;
  const examples: string[][] = [];
  for (const example of agent.examples ?? []) {
    examples.push(analyzer.termsWithStopWords(example));
    yield;
  }
  return { name, capabilities, keywords, description, examples, related: [...related] };
}

/**
 * Analysed manifests and their bags, cached by manifest object: the registry freezes each manifest it
 * holds and replaces the object when the agent changes, so an entry is valid for as long as its key
 * lives. One cache per scorer, because both depend on the scorer's analyzer, related terms and weights.
 */
export class ManifestAnalyses {
  readonly #byManifest = new WeakMap<AgentManifest, { analysed: AnalysedManifest; bag?: Bag }>();
  readonly #settings: BagSettings;

  constructor(settings: BagSettings) {
    this.#settings = settings;
  }

  *of(agent: AgentManifest): Steps<AnalysedManifest> {
    return (yield* this.#entry(agent)).analysed;
  }

  /** The agent's bag with all its examples. */
  *bagOf(agent: AgentManifest): Steps<Bag> {
    const entry = yield* this.#entry(agent);
    if (entry.bag === undefined) entry.bag = bagOf(entry.analysed, this.#settings);
    return entry.bag;
  }

  *#entry(agent: AgentManifest): Steps<{ analysed: AnalysedManifest; bag?: Bag }> {
    let entry = this.#byManifest.get(agent);
    if (entry === undefined) {
      entry = { analysed: yield* analyseManifest(agent, this.#settings) };
      if (isDeeplyFrozen(agent)) this.#byManifest.set(agent, entry);
    }
    return entry;
  }
}

/** Only a manifest that cannot change is cached: a caller's mutable object may change under one key. */
function isDeeplyFrozen(agent: AgentManifest): boolean {
  return (
    Object.isFrozen(agent) &&
    Object.isFrozen(agent.capabilities) &&
    Object.isFrozen(agent.keywords) &&
    (agent.examples === undefined || Object.isFrozen(agent.examples))
  );
}

/** Which of an agent's examples count (all of them, except in the reranker's cross-fitting folds). */
export type KeepExample = (example: number) => boolean;

const EVERY_EXAMPLE: KeepExample = () => true;

/** An agent's weighted term frequencies: each term once, in the order first met, and its weight. */
export interface Bag {
  readonly terms: readonly string[];
  readonly tf: Float64Array;
}

/**
 * An agent's weighted term frequencies, one bag over all its manifest's fields (BM25F): each field's
 * terms at that field's weight, the related terms of its tags once each, and — because examples are
 * task-like text — the stop words of its examples at `functionWordWeight`. The additions happen in
 * field order, so a bag is the same to the last bit however its manifest's analysis was obtained.
 */
export function bagOf(a: AnalysedManifest, c: BagSettings, keepExample: KeepExample = EVERY_EXAMPLE): Bag {
  const bag = new Map<string, number>();
  const add = (terms: readonly string[], weight: number): void => {
    if (weight === 0) return;
    for (const term of terms) bag.set(term, (bag.get(term) ?? 0) + weight);
  };
  add(a.name, c.weights.name);
  for (const tag of a.capabilities) add(tag, c.weights.capabilities);
  for (const tag of a.keywords) add(tag, c.weights.keywords);
  add(a.description, c.weights.description);
  if (c.weights.examples > 0) {
    a.examples.forEach((terms, j) => {
      if (!keepExample(j)) return;
      for (const term of terms) {
        const weight = c.analyzer.isStopTerm(term)
          ? c.weights.examples * c.functionWordWeight
          : c.weights.examples;
        if (weight > 0) bag.set(term, (bag.get(term) ?? 0) + weight);
      }
    });
  }
  if (c.weights.related > 0) {
    for (const term of a.related) bag.set(term, (bag.get(term) ?? 0) + c.weights.related);
  }
  return { terms: [...bag.keys()], tf: Float64Array.from(bag.values()) };
}
