import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../kernel/seeded-random.js';
import { manifestFromPersona } from '../manifest/agent-registry.js';
import type { AgentManifest } from '../manifest/manifest.js';
import { PERSONAS } from '../manifest/personas.js';
import { plattProbability, softmaxProbability } from './confidence.js';
import {
  DEFAULT_PLATT_START,
  DEFAULT_TEMPERATURE,
  EXAMPLE_LESS_PLATT_START,
  EXAMPLE_LESS_TEMPERATURE,
  rosterHasExamples,
  withDefaultConfidence,
} from './default-confidence.js';
import { createDefaultScorer } from './default-scorer.js';
import type { CompiledScorer, StepwiseScorer } from './scorer.js';
import { runSteps } from './steps.js';

const personas = PERSONAS.map((p) => manifestFromPersona(p, p.personaId));

/** A stepwise scorer whose compiled roster gives fixed scores, and counts how often it scores. */
function fixedStepwise(scores: readonly number[]): { stepwise: StepwiseScorer; scored: () => number } {
  let scored = 0;
  const learned: string[] = [];
  const compiled: CompiledScorer = {
    score: () => {
      scored++;
      return Float64Array.from(scores);
    },
    learn: (_description, agentId) => {
      learned.push(agentId);
    },
  };
  return {
    scored: () => scored,
    stepwise: {
      *index(agents) {
        return { agentIds: agents.map((a) => a.agentId) };
      },
      // biome-ignore lint/correctness/useYield: nothing to train
      *train() {
        return undefined;
      },
      bind: () => compiled,
    },
  };
}

// The personas have no examples: their rosters take EXAMPLE_LESS_TEMPERATURE and its map.
const three = personas.slice(0, 3);
const bindOf = (stepwise: StepwiseScorer, temperature?: number, agents: readonly AgentManifest[] = three) =>
  stepwise.bind(runSteps(stepwise.index(agents)), temperature === undefined ? undefined : { temperature });
const withExamples = (agent: AgentManifest, i: number): AgentManifest => ({
  ...agent,
  examples: [`an example of ${agent.agentId}`, `another one ${i}`],
});

describe('the default scorer’s confidence', () => {
  it('is a probability per agent that sums to 1 over the roster and ranks as the scores do', () => {
    // Before its correction (an identity start): the softmax itself.
    const compiled = createDefaultScorer({
      confidence: { platt: { initialSlope: 1, initialIntercept: 0 } },
    }).compile(personas);
    for (const task of ['Fix the bug in the auth code', 'Write an article about security audits', 'hello']) {
      const scores = compiled.score(task);
      let sum = 0;
      for (let i = 0; i < scores.length; i++) {
        const p = compiled.confidence?.(scores, i) as number;
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
        sum += p;
        for (let j = 0; j < scores.length; j++) {
          if ((scores[i] as number) > (scores[j] as number)) {
            expect(p).toBeGreaterThan(compiled.confidence?.(scores, j) as number);
          }
        }
      }
      expect(sum).toBeCloseTo(1, 9);
    }
  });

  it('starts from the map fitted offline, which keeps the order of the scores', () => {
    const compiled = createDefaultScorer().compile(personas);
    const identity = createDefaultScorer({
      confidence: { platt: { initialSlope: 1, initialIntercept: 0 } },
    }).compile(personas);
    const { initialSlope, initialIntercept } = EXAMPLE_LESS_PLATT_START;
    for (const task of ['Fix the bug in the auth code', 'Write an article about security audits']) {
      const scores = compiled.score(task);
      for (let i = 0; i < scores.length; i++) {
        const p = identity.confidence?.(scores, i) as number;
        expect(compiled.confidence?.(scores, i)).toBe(plattProbability(p, initialSlope, initialIntercept));
        for (let j = 0; j < scores.length; j++) {
          if ((scores[i] as number) > (scores[j] as number)) {
            // Not below it; equal where both softmax probabilities are under the logit's clip.
            expect(compiled.confidence?.(scores, i)).toBeGreaterThanOrEqual(
              compiled.confidence?.(scores, j) as number,
            );
          }
        }
      }
    }
  });

  it('on a roster of thousands takes the binned softmax, within 10⁻⁵ of the exact one', () => {
    const random = seededRandom(3);
    const scores = Float64Array.from({ length: 6_000 }, () => (random() < 0.3 ? random() * 0.4 : 0));
    const { stepwise } = fixedStepwise([...scores]);
    const compiled = bindOf(withDefaultConfidence(stepwise, { platt: false }));
    for (const position of [0, 17, 4_999]) {
      const exact = softmaxProbability(scores, position, EXAMPLE_LESS_TEMPERATURE);
      expect(Math.abs((compiled.confidence?.(scores, position) as number) - exact)).toBeLessThan(1e-5);
    }
  });

  it('is off with confidence: false', () => {
    expect(createDefaultScorer({ confidence: false }).compile(personas).confidence).toBeUndefined();
  });

  it('uses the trained model’s temperature where it has one, else the configured one, else the default', () => {
    const scores = Float64Array.of(0.5, 0.2, 0);
    const { stepwise } = fixedStepwise([...scores]);
    const { initialSlope, initialIntercept } = EXAMPLE_LESS_PLATT_START;
    const at = (temperature: number) =>
      plattProbability(softmaxProbability(scores, 0, temperature), initialSlope, initialIntercept);
    expect(bindOf(withDefaultConfidence(stepwise)).confidence?.(scores, 0)).toBe(
      at(EXAMPLE_LESS_TEMPERATURE),
    );
    expect(bindOf(withDefaultConfidence(stepwise, { temperature: 0.3 })).confidence?.(scores, 0)).toBe(
      at(0.3),
    );
    expect(bindOf(withDefaultConfidence(stepwise, { temperature: 0.3 }), 2).confidence?.(scores, 0)).toBe(
      at(2),
    );
    expect(() => withDefaultConfidence(stepwise, { temperature: 0 })).toThrow(/temperature/);
    expect(() => bindOf(withDefaultConfidence(stepwise), Number.NaN)).toThrow(/model\.temperature/);
  });

  it('takes the temperature and map of its kind: rosters with examples, and rosters mostly without', () => {
    const scores = Float64Array.of(0.5, 0.2, 0);
    const { stepwise } = fixedStepwise([...scores]);
    const expected = (temperature: number, start: typeof DEFAULT_PLATT_START) =>
      plattProbability(
        softmaxProbability(scores, 0, temperature),
        start.initialSlope,
        start.initialIntercept,
      );
    const confidenceOn = (agents: readonly AgentManifest[]) =>
      bindOf(withDefaultConfidence(stepwise), undefined, agents).confidence?.(scores, 0);
    expect(confidenceOn(three.map(withExamples))).toBe(expected(DEFAULT_TEMPERATURE, DEFAULT_PLATT_START));
    expect(confidenceOn(three)).toBe(expected(EXAMPLE_LESS_TEMPERATURE, EXAMPLE_LESS_PLATT_START));
    // A configured temperature applies to both kinds.
    const configured = bindOf(
      withDefaultConfidence(stepwise, { temperature: 0.3 }),
      undefined,
      three.map(withExamples),
    );
    expect(configured.confidence?.(scores, 0)).toBe(expected(0.3, DEFAULT_PLATT_START));
  });

  it('counts a roster as one with examples when at least half its agents have some', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 40 }), (has) => {
        const agents = has.map((h, i) => {
          const agent = personas[i % personas.length] as AgentManifest;
          return h ? withExamples(agent, i) : { ...agent, examples: [] };
        });
        const share = has.filter(Boolean).length / Math.max(1, has.length);
        expect(rosterHasExamples(agents)).toBe(has.length > 0 && share >= 0.5);
      }),
    );
  });

  it('moves toward what outcomes say, and passes every outcome on to the scorer it wraps', () => {
    fc.assert(
      fc.property(fc.boolean(), (succeeds) => {
        const scores = [0.3, 0.25, 0.2];
        const { stepwise } = fixedStepwise(scores);
        const compiled = bindOf(withDefaultConfidence(stepwise));
        const before = compiled.confidence?.(Float64Array.from(scores), 0) as number;
        for (let i = 0; i < 300; i++) compiled.learn?.(`task ${i}`, three[0]?.agentId as string, succeeds);
        const after = compiled.confidence?.(Float64Array.from(scores), 0) as number;
        if (succeeds) expect(after).toBeGreaterThan(before);
        else expect(after).toBeLessThan(before);
      }),
      { numRuns: 4 },
    );
  });

  it('scores a task once for all the outcomes of its re-offers, and ignores agents it does not know', () => {
    const { stepwise, scored } = fixedStepwise([0.3, 0.2, 0.1]);
    const compiled = bindOf(withDefaultConfidence(stepwise));
    for (const persona of three) compiled.learn?.('the same task', persona.agentId, false);
    expect(scored()).toBe(1);
    compiled.learn?.('another task', 'nobody', true);
    expect(scored()).toBe(1);
    compiled.learn?.('another task', three[1]?.agentId as string, true);
    expect(scored()).toBe(2);
  });

  it('keeps the online map out with platt: false (and then learns nothing of its own)', () => {
    const scores = Float64Array.of(0.3, 0.25, 0.2);
    const { stepwise, scored } = fixedStepwise([...scores]);
    const compiled = bindOf(withDefaultConfidence(stepwise, { platt: false }));
    const before = compiled.confidence?.(scores, 0);
    for (let i = 0; i < 50; i++) compiled.learn?.('task', three[0]?.agentId as string, false);
    expect(compiled.confidence?.(scores, 0)).toBe(before);
    expect(scored()).toBe(0);
  });
});
