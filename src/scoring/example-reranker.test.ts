import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/helpers/fake-clock.js';
import { agent } from '../../test/helpers/manifest.js';
import { tempDbPath, tempDir } from '../../test/helpers/temp-dir.js';
import type { AgentManifest } from '../manifest/manifest.js';
import { EXAMPLE_LESS_MIN_CAPABILITY, FALLBACK_MIN_CAPABILITY } from '../policy/policy.js';
import { createRouter } from '../router/create-router.js';
import type { Router } from '../router/router.js';
import { createStore } from '../store/create-store.js';
import { createDefaultScorer } from './default-scorer.js';
import { thresholdKeeping } from './threshold.js';

// Two agents whose tags share words ("request", "vacation"), as clinc150's pto_request and
// pto_request_status do, plus one unrelated agent and one without examples.
const roster = [
  agent('pto_request', {
    capabilities: ['pto request'],
    examples: [
      'i want to book some time off',
      'put in a vacation request for next week',
      'can i take friday off',
      'please submit my leave for june',
      'book me holiday days in august',
    ],
  }),
  agent('pto_request_status', {
    capabilities: ['pto request status'],
    examples: [
      'has my vacation request been approved',
      'what is the status of my time off request',
      'did my leave get the ok',
      'is my holiday request still pending',
      'check whether my pto was accepted',
    ],
  }),
  agent('weather', {
    capabilities: ['weather'],
    examples: [
      'will it rain tomorrow',
      'how hot is it outside',
      'is it sunny in paris',
      'forecast for the weekend',
      'do i need an umbrella',
    ],
  }),
  agent('forge', { capabilities: ['coding'], keywords: ['refactor', 'bug'] }),
];

const tasks = fc.array(
  fc.constantFrom(
    'vacation',
    'request',
    'status',
    'approved',
    'time',
    'off',
    'rain',
    'refactor',
    'the',
    'my',
    'book',
    'pending',
    'zebra',
  ),
  { minLength: 1, maxLength: 8 },
);

const dir = tempDir();
const routers: Router[] = [];
afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

const compile = (reranker: boolean) =>
  createDefaultScorer(reranker ? {} : { reranker: false }).compile(roster);

describe('example reranker (default scorer)', () => {
  it('keeps the best score, stays in [0, 1], and leaves agents without examples alone', () => {
    const lexical = compile(false);
    const reranked = compile(true);
    fc.assert(
      fc.property(tasks, (words) => {
        const text = words.join(' ');
        const before = lexical.score(text);
        const after = reranked.score(text);
        expect(Math.max(...after)).toBe(Math.max(...before));
        for (const s of after) expect(s >= 0 && s <= 1).toBe(true);
        expect(after[3]).toBe(before[3]); // forge has no examples
      }),
    );
  });

  it('is deterministic: the same roster trains the same model', () => {
    const a = compile(true);
    const b = compile(true);
    for (const text of ['is my vacation request approved', 'book a vacation', 'rain tomorrow']) {
      expect([...a.score(text)]).toEqual([...b.score(text)]);
    }
  });

  it('learns from completed tasks: repeated successes move an agent to the top for such text', () => {
    const compiled = compile(true);
    const text = 'sort out my vacation days';
    const before = compiled.score(text);
    expect(before[0]).toBeGreaterThan(0);
    // Whichever of the two overlapping agents ranks lower learns the text until it ranks first.
    const loser = (before[0] as number) >= (before[1] as number) ? 1 : 0;
    for (let i = 0; i < 20; i++) compiled.learn?.(text, roster[loser]?.agentId as string, true);
    const after = compiled.score(text);
    expect(after[loser]).toBe(Math.max(...after));
    // A failure teaches the reranker nothing (the evidence handles failures).
    const snapshot = [...compiled.score(text)];
    compiled.learn?.(text, roster[loser]?.agentId as string, false);
    expect([...compiled.score(text)]).toEqual(snapshot);
  });

  it('learns words no example used from the tasks agents complete', () => {
    // Without confidence: its correction does not touch scores, but keep the test to the reranker.
    const compiled = createDefaultScorer({ confidence: false }).compile(roster);
    const learner = 1; // pto_request_status
    // An unknown word lowers every score alike (it weighs in the normalisation), not their ratio.
    const relative = (scores: Float64Array) => (scores[learner] as number) / (scores[0] as number);
    // Before: "sabbatical" is in no manifest, so it changes nothing.
    expect(relative(compiled.score('sabbatical request'))).toBeCloseTo(
      relative(compiled.score('request')),
      12,
    );
    for (let i = 0; i < 20; i++) compiled.learn?.('sabbatical request', 'pto_request_status', true);
    expect(relative(compiled.score('sabbatical request'))).toBeGreaterThan(
      relative(compiled.score('request')),
    );
  });

  it('is skipped when fewer than two agents have examples', () => {
    const few = [roster[0] as AgentManifest, roster[3] as AgentManifest];
    // Without confidence, whose online correction learns from every outcome: learn is the reranker's.
    const withReranker = createDefaultScorer({ confidence: false }).compile(few);
    const without = createDefaultScorer({ reranker: false }).compile(few);
    expect(withReranker.learn).toBeUndefined();
    expect([...withReranker.score('book time off')]).toEqual([...without.score('book time off')]);
  });

  it('is skipped when more agents have examples than maxClasses: the lexical score alone, no threshold', () => {
    const capped = createDefaultScorer({ reranker: { maxClasses: 2 }, confidence: false }).compile(roster);
    const without = createDefaultScorer({ reranker: false }).compile(roster);
    expect(capped.learn).toBeUndefined();
    expect(capped.suggestedMinCapability).toBeUndefined();
    expect([...capped.score('put in a vacation request')]).toEqual([
      ...without.score('put in a vacation request'),
    ]);
    expect(
      createDefaultScorer({ reranker: { maxClasses: 3 }, confidence: false }).compile(roster).learn,
    ).toBeDefined();
    expect(() => createDefaultScorer({ reranker: { maxClasses: 1.5 } })).toThrow(/maxClasses/);
  });

  it('what it learned survives a restart (bit for bit) and a roster change (replayed)', async () => {
    const path = tempDbPath(dir);
    const open = () => {
      // No threshold: the test is about what the reranker learned, not about refusing weak matches.
      const router = createRouter({
        store: createStore({ location: path }),
        clock: new FakeClock(0),
        minCapability: 0,
      });
      routers.push(router);
      for (const manifest of roster) router.registerAgent(manifest);
      return router;
    };
    const bids = roster.map((m) => ({ agentId: m.agentId, bidSats: 0 }));
    const text = 'sort out my vacation days';
    const router = open();
    const first = router.decide({ description: text, bids });
    const learner = first.selectedAgent === 'pto_request' ? 'pto_request_status' : 'pto_request';
    const other = first.selectedAgent as string;
    for (let i = 0; i < 10; i++) {
      // Routed without the first pick, so that the learner wins and may report the outcome.
      const decision = await router.route({ description: `${text} ${i}`, bids, excludedAgents: [other] });
      expect(decision.selectedAgent).toBe(learner);
      await router.recordOutcome({ seq: decision.seq, agentId: learner, status: 'completed' });
    }
    const learned = router.decide({ description: text, bids });
    expect(learned.selectedAgent).toBe(learner);

    const restarted = open();
    await restarted.restoreLearning();
    expect(Array.from(restarted.decide({ description: text, bids }).capability)).toEqual(
      Array.from(learned.capability),
    );

    restarted.registerAgent(agent('newcomer', { capabilities: ['gardening'] }));
    const after = restarted.decide({ description: text, bids });
    expect(after.selectedAgent).toBe(learner);
  });

  it('suggests the threshold that 95% of held-out examples reach; an auto policy takes it above 0.04', () => {
    // Six examples per agent (24 in all, enough for an estimate). The expected value is recomputed
    // here: rosters refolded by the same rule (example j is held out in fold j mod 5) and scored by
    // the lexical scorer alone, and the best score that 95% of held-out examples reach.
    const kitchen = ['pasta', 'rice', 'soup', 'bread'].map((dish) =>
      agent(dish, {
        examples: [
          `${dish} for dinner`,
          `make ${dish} tonight`,
          `a quick ${dish} recipe`,
          `${dish} with cheese`,
          `the best ${dish}`,
          `${dish} ideas please`,
        ],
      }),
    );
    const best: number[] = [];
    for (let fold = 0; fold < 5; fold++) {
      const held: string[] = [];
      const folded = kitchen.map((m) => ({
        ...m,
        examples: (m.examples ?? []).filter((text, j) => {
          if (j % 5 === fold) held.push(text);
          return j % 5 !== fold;
        }),
      }));
      const lexical = createDefaultScorer({ reranker: false }).compile(folded);
      for (const text of held) best.push(Math.max(...lexical.score(text)));
    }
    const expected = Math.floor(thresholdKeeping(best, 0.95) * 1000) / 1000;
    expect(createDefaultScorer().compile(kitchen).suggestedMinCapability).toBe(expected);
    expect(expected).toBeGreaterThan(FALLBACK_MIN_CAPABILITY);
    // Lexical alone (the semantic channel adds to held-out scores: semantic-routing.test.ts).
    const router = createRouter({ wordVectors: false });
    for (const manifest of kitchen) router.registerAgent(manifest);
    expect(router.policy.minCapability).toBe(expected);
    // A mixed roster whose examples often match nothing suggests 0: auto never goes below the fallback.
    const mixed = createDefaultScorer().compile([...roster, ...kitchen]);
    const mixedRouter = createRouter({ wordVectors: false });
    for (const manifest of [...roster, ...kitchen]) mixedRouter.registerAgent(manifest);
    expect(mixedRouter.policy.minCapability).toBe(
      Math.max(mixed.suggestedMinCapability ?? 0, FALLBACK_MIN_CAPABILITY),
    );
    // Fifteen examples are too few: no suggestion, and the policy takes the one of rosters without.
    expect(compile(true).suggestedMinCapability).toBeUndefined();
    const small = createRouter({});
    for (const manifest of roster) small.registerAgent(manifest);
    expect(small.policy.minCapability).toBe(EXAMPLE_LESS_MIN_CAPABILITY);
  });

  it.each([
    [{ folds: 1 }, 'expected reranker.folds to be an integer ≥ 2, got 1 (number)'],
    [{ epochs: 2.5 }, 'expected reranker.epochs to be an integer ≥ 0, got 2.5 (number)'],
    [
      { learningRate: Number.NaN },
      'expected reranker.learningRate to be a finite number ≥ 0, got NaN (number)',
    ],
    [{ scoreWeight: -1 }, 'expected reranker.scoreWeight to be a finite number ≥ 0, got -1 (number)'],
  ])('refuses a bad setting at creation: %o', (reranker, message) => {
    expect(() => createDefaultScorer({ reranker })).toThrow(message);
  });
});
