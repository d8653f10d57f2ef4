import type { AgentManifest } from '../manifest/manifest.js';
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

/** The words of an agent's name fields: its id is often an identifier ("JobTool", "find_phone"). */
function nameText(agent: AgentManifest): string {
  return `${agent.agentId.replace(/[_.]+/g, ' ')} ${agent.agentName}`;
}

/**
 * An agent's weighted term frequencies, one bag over all its manifest's fields (BM25F): each field's
 * terms at that field's weight, the related terms of its tags once each, and — because examples are
 * task-like text — the stop words of its examples at `functionWordWeight`.
 */
export function manifestBag(agent: AgentManifest, c: BagSettings): Map<string, number> {
  const bag = new Map<string, number>();
  const add = (text: string, weight: number): void => {
    if (weight === 0) return;
    for (const term of c.analyzer.terms(text)) bag.set(term, (bag.get(term) ?? 0) + weight);
  };
  add(nameText(agent), c.weights.name);
  for (const tag of agent.capabilities) add(tag, c.weights.capabilities);
  for (const tag of agent.keywords) add(tag, c.weights.keywords);
  add(agent.description ?? '', c.weights.description);
  if (c.weights.examples > 0) {
    for (const example of agent.examples ?? []) {
      for (const term of c.analyzer.termsWithStopWords(example)) {
        const weight = c.analyzer.isStopTerm(term)
          ? c.weights.examples * c.functionWordWeight
          : c.weights.examples;
        if (weight > 0) bag.set(term, (bag.get(term) ?? 0) + weight);
      }
    }
  }
  if (c.weights.related > 0) {
    // Each related term once per agent, however many of its tags lead to it.
    const relatedTerms = new Set<string>();
    for (const tag of [...agent.capabilities, ...agent.keywords]) {
      for (const term of c.related.relatedTo(tag)) relatedTerms.add(term);
    }
    for (const term of relatedTerms) bag.set(term, (bag.get(term) ?? 0) + c.weights.related);
  }
  return bag;
}
