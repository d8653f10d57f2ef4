import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agent } from '../../test/helpers/manifest.js';
import { AgentRegistry } from '../manifest/agent-registry.js';
import type { AgentManifest } from '../manifest/manifest.js';
import { createClassicScorer } from './classic-scorer.js';
import { createDefaultScorer } from './default-scorer.js';
import { stepwiseOf } from './scorer.js';
import { runSteps } from './steps.js';

const WORDS = ['vacation', 'request', 'status', 'rain', 'book', 'the', 'my', 'refactor', 'bug', 'off'];
const sentence = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 6 }).map((w) => w.join(' '));
const manifest = (id: string) =>
  fc
    .record({
      capabilities: fc.array(fc.constantFrom(...WORDS), { maxLength: 2 }),
      examples: fc.array(sentence, { maxLength: 6 }),
    })
    .map((fields) => agent(id, fields));
const roster = fc
  .integer({ min: 1, max: 6 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => manifest(`a${i}`))));

/** The roster as the router holds it: frozen manifests, which the scorer's analysis cache keys on. */
const registered = (agents: readonly AgentManifest[]): readonly AgentManifest[] => {
  const registry = new AgentRegistry();
  for (const a of agents) registry.register(a);
  return registry.list();
};

describe('stepwise compilation (scorer.ts StepwiseScorer)', () => {
  it('index + train + bind score exactly as compile, with the analysis cache warm or cold', () => {
    fc.assert(
      fc.property(roster, fc.array(sentence, { minLength: 1, maxLength: 5 }), (agents, tasks) => {
        const frozen = registered(agents);
        const whole = createDefaultScorer().compile(agents);
        const scorer = createDefaultScorer();
        const stepwise = scorer.stepwise;
        if (stepwise === undefined) throw new Error('the default scorer is stepwise');
        scorer.compile(frozen); // fills the cache the next compilations read
        const bound = stepwise.bind(runSteps(stepwise.index(frozen)), runSteps(stepwise.train(frozen)));
        expect(bound.suggestedMinCapability).toBe(whole.suggestedMinCapability);
        for (const task of tasks) expect([...bound.score(task)]).toEqual([...whole.score(task)]);
      }),
      { numRuns: 60 },
    );
  });

  it('a model trained on an earlier roster serves a later one: agents it does not know keep their lexical score', () => {
    fc.assert(
      fc.property(roster, manifest('newcomer'), sentence, (agents, newcomer, task) => {
        const scorer = createDefaultScorer();
        const stepwise = scorer.stepwise;
        if (stepwise === undefined) throw new Error('the default scorer is stepwise');
        const model = runSteps(stepwise.train(agents));
        // The first agent leaves, a newcomer arrives.
        const later = [...agents.slice(1), newcomer];
        const indexed = runSteps(stepwise.index(later));
        const lexical = [...stepwise.bind(indexed, undefined).score(task)];
        const reranked = [...stepwise.bind(indexed, model).score(task)];
        expect(reranked.at(-1)).toBe(lexical.at(-1));
        expect(Math.max(0, ...reranked)).toBe(Math.max(0, ...lexical));
        for (const s of reranked) expect(s >= 0 && s <= 1).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('a scorer without a stepwise form compiles in one piece', () => {
    const classic = createClassicScorer();
    const stepwise = stepwiseOf(classic);
    const agents = [agent('forge', { keywords: ['bug'] })];
    const indexed = stepwise.index(agents);
    const first = indexed.next();
    expect(first.done).toBe(true);
    const compiled = stepwise.bind(first.value as never, runSteps(stepwise.train(agents)));
    expect([...compiled.score('fix the bug')]).toEqual([...classic.compile(agents).score('fix the bug')]);
    expect(() => stepwise.bind({ agentIds: [] }, undefined)).toThrow(TypeError);
  });

  it('refuses an index or a model of another scorer', () => {
    const a = createDefaultScorer().stepwise;
    const b = createDefaultScorer().stepwise;
    if (a === undefined || b === undefined) throw new Error('the default scorer is stepwise');
    const agents = [agent('x', { examples: ['book a room'] }), agent('y', { examples: ['rain today'] })];
    const model = runSteps(a.train(agents));
    expect(model).toBeDefined();
    expect(() => b.bind(runSteps(a.index(agents)), undefined)).toThrow(TypeError);
    expect(() => b.bind(runSteps(b.index(agents)), model)).toThrow(TypeError);
  });
});
