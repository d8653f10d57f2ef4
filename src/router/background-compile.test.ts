import { afterEach, describe, expect, it } from 'vitest';
import { agent } from '../../test/helpers/manifest.js';
import { seededRandom } from '../kernel/seeded-random.js';
import type { AgentManifest } from '../manifest/manifest.js';
import type { RecordedOutcome } from '../policy/outcome.js';
import { createDefaultScorer } from '../scoring/default-scorer.js';
import type { Scorer } from '../scoring/scorer.js';
import { defaultAnalyzer } from '../scoring/text/analyzer.js';
import { TextEvidence } from '../scoring/text-evidence.js';
import { createRouter, type RouterOptions } from './create-router.js';
import type { Router } from './router.js';
import { shippedWordVectors } from './word-vectors-asset.js';

const WORDS = `account balance transfer freeze card lost pin travel alert flight hotel book cancel
  weather rain forecast timer alarm reminder song play volume recipe cook dinner calories nutrition
  translate spanish french meaning definition spell synonym insurance claim policy credit score
  limit interest rate loan mortgage payment bill due schedule meeting calendar invite`.split(/\s+/);

/** `n` agents with `examples` generated sentences each: a roster whose training takes a while. */
function roster(n: number, examples: number): AgentManifest[] {
  const random = seededRandom(7);
  const word = () => WORDS[Math.floor(random() * WORDS.length)] as string;
  return Array.from({ length: n }, (_, i) =>
    agent(`agent_${i}`, {
      capabilities: [`${word()} ${word()}`],
      examples: Array.from({ length: examples }, () => Array.from({ length: 6 }, () => word()).join(' ')),
    }),
  );
}

const routers: Router[] = [];
const open = (options: RouterOptions = {}): Router => {
  const router = createRouter(options);
  routers.push(router);
  return router;
};
afterEach(async () => {
  await Promise.all(routers.splice(0).map((r) => r.close()));
});

const bidsOf = (agents: readonly AgentManifest[]) => agents.map((a) => ({ agentId: a.agentId, bidSats: 10 }));
const TASKS = ['freeze my card please', 'will it rain on my flight', 'play a song at dinner', 'zebra'];

/** The scorer, counting how often it indexes a roster. */
function countingIndexes(base: Scorer): { scorer: Scorer; indexed: () => number } {
  let indexed = 0;
  const stepwise = base.stepwise as NonNullable<Scorer['stepwise']>;
  const scorer: Scorer = {
    ...base,
    stepwise: {
      ...stepwise,
      index: (agents, evidence) => {
        indexed++;
        return stepwise.index(agents, evidence);
      },
    },
  };
  return { scorer, indexed: () => indexed };
}

/** Counts event-loop turns (setImmediate) until `done` settles. */
async function turnsWhile(done: Promise<void>): Promise<number> {
  let turns = 0;
  let settled = false;
  const tick = () => {
    if (settled) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  await done.finally(() => {
    settled = true;
  });
  return turns;
}

describe('background compilation (createRouter({ backgroundCompile: true }))', () => {
  it('trains in slices: the event loop turns many times while a large roster compiles', async () => {
    const agents = roster(120, 10);
    const router = open({ backgroundCompile: true });
    for (const manifest of agents) router.registerAgent(manifest);
    const turns = await turnsWhile(router.whenCompiled());
    // Sync, this roster's compilation is one block of ~0.2 s; in slices of 4 ms it takes dozens of turns.
    expect(turns).toBeGreaterThan(20);
  });

  it('once compiled, decides exactly as a router that compiles when it decides', async () => {
    const agents = roster(40, 8);
    const background = open({ backgroundCompile: true });
    const sync = open();
    for (const manifest of agents) {
      background.registerAgent(manifest);
      sync.registerAgent(manifest);
      await new Promise((resolve) => setImmediate(resolve)); // the roster changes while it compiles
    }
    await background.whenCompiled();
    expect(background.policy).toEqual(sync.policy);
    for (const description of TASKS) {
      const request = { description, bids: bidsOf(agents) };
      expect(Array.from(background.decide(request).capability)).toEqual(
        Array.from(sync.decide(request).capability),
      );
    }
  });

  it('meanwhile, scores the roster as registered: a new agent is scored at once, on the index alone', () => {
    const agents = roster(40, 8);
    const router = open({ backgroundCompile: true });
    for (const manifest of agents) router.registerAgent(manifest);
    // No turn of the event loop has passed: nothing is trained, and the index (the semantic channel's
    // too) is built on demand.
    const lexical = createDefaultScorer({ reranker: false, wordVectors: shippedWordVectors }).compile(agents);
    for (const description of TASKS) {
      const decision = router.decide({ description, bids: bidsOf(agents) });
      expect(Array.from(decision.capability)).toEqual(Array.from(lexical.score(description)));
    }
  });

  it('after a change, decides on the previous index at once, and on the new one when it is built', async () => {
    const agents = roster(60, 4);
    // Every score kept, so the decision shows each agent's.
    const router = open({
      backgroundCompile: true,
      scorer: createDefaultScorer({ reranker: false }),
      candidatesKept: 1_000,
    });
    for (const manifest of agents) router.registerAgent(manifest);
    await router.whenCompiled();
    const task = 'zebra crossing ahead';
    const removed = agents[0] as AgentManifest;
    const changed = agents[1] as AgentManifest;
    router.registry.unregister(removed.agentId);
    router.registerAgent({ ...changed, capabilities: ['zebra crossing'] });
    router.registerAgent(agent('newcomer', { capabilities: ['zebra crossing ahead'] }));
    // No event-loop turn yet: the index of the changed roster is not built, and the decision does not build it.
    const stale = router.decide({ description: task, bids: [] });
    expect(stale.rosterSize).toBe(60);
    const scoreOf = (decision: typeof stale, agentId: string) =>
      decision.capability[decision.agentIds.indexOf(agentId)];
    expect(stale.agentIds).toEqual(router.registry.list().map((a) => a.agentId));
    expect(stale.agentIds).not.toContain(removed.agentId);
    expect(scoreOf(stale, 'newcomer')).toBe(0); // not indexed yet
    expect(Math.max(...Array.from(stale.capability))).toBe(0); // nobody knew "zebra" before

    await router.whenCompiled();
    const fresh = router.decide({ description: task, bids: [] });
    expect(scoreOf(fresh, 'newcomer')).toBeGreaterThan(0);
    expect(scoreOf(fresh, changed.agentId)).toBeGreaterThan(0);
    const lexical = createDefaultScorer({ reranker: false }).compile(router.registry.list());
    const expected = lexical.score(task);
    const ids = router.registry.list().map((a) => a.agentId);
    fresh.agentIds.forEach((id, i) => {
      expect(fresh.capability[i]).toBe(expected[ids.indexOf(id)]);
    });
  });

  it('a burst of registrations is indexed a few times, not once per registration; the last agent is there', async () => {
    const { scorer, indexed } = countingIndexes(createDefaultScorer({ reranker: false }));
    const router = open({ scorer, backgroundCompile: true });
    const agents = roster(200, 0);
    // One registration per event-loop turn for about a quarter of a second, as requests arrive.
    for (const manifest of agents) {
      router.registerAgent(manifest);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await router.whenCompiled();
    expect(indexed()).toBeGreaterThan(0);
    expect(indexed()).toBeLessThan(agents.length / 4);
    const last = agents.at(-1) as AgentManifest;
    const decision = router.decide({ description: last.capabilities.join(' '), bids: bidsOf([last]) });
    expect(decision.rosterSize).toBe(agents.length);
    expect(decision.selectedAgent).toBe(last.agentId);
  });

  it('whenIndexed resolves with the first index, built in the background: the decision after it builds none', async () => {
    const { scorer, indexed } = countingIndexes(createDefaultScorer());
    const router = open({ scorer, backgroundCompile: true });
    const agents = roster(120, 10);
    for (const manifest of agents) router.registerAgent(manifest);
    await router.whenIndexed();
    const before = indexed();
    expect(before).toBeGreaterThan(0);
    const decision = router.decide({ description: TASKS[0] as string, bids: bidsOf(agents) });
    expect(decision.rosterSize).toBe(agents.length);
    expect(indexed()).toBe(before);
    // Resolved at once when an index is there; the model may still be training.
    await router.whenIndexed();
    await router.whenCompiled();
  });

  it('outcomes learned while the model trains are replayed into it', async () => {
    const agents = roster(30, 8);
    const text = 'freeze my card please';
    const bids = bidsOf(agents);
    const learner = 'agent_1';
    const router = open({ backgroundCompile: true });
    for (const manifest of agents) router.registerAgent(manifest);
    for (let i = 0; i < 30; i++) router.learnOutcome(completed(i, learner, text));
    await router.whenCompiled();
    // The reference: the roster compiled with the outcomes' evidence, then each outcome stepped
    // into its model, as a replay does.
    const evidence = new TextEvidence();
    for (let i = 0; i < 30; i++) evidence.learn(learner, defaultAnalyzer.termsWithStopWords(text), true);
    const reference = createDefaultScorer({ wordVectors: shippedWordVectors }).compile(agents, evidence);
    for (let i = 0; i < 30; i++) reference.learn?.(text, learner, true);
    for (const description of [text, ...TASKS]) {
      expect(Array.from(router.decide({ description, bids }).capability)).toEqual(
        Array.from(reference.score(description)),
      );
    }
    expect(router.decide({ description: text, bids }).selectedAgent).toBe(learner);
  });

  it('a roster change during training leads to a model of the new roster', async () => {
    const agents = roster(30, 8);
    const router = open({ backgroundCompile: true });
    for (const manifest of agents.slice(0, 20)) router.registerAgent(manifest);
    await new Promise((resolve) => setTimeout(resolve, 5)); // training of the first 20 under way
    for (const manifest of agents.slice(20)) router.registerAgent(manifest);
    router.registry.unregister('agent_3');
    await router.whenCompiled();
    const sync = open();
    for (const manifest of router.registry.list()) sync.registerAgent(manifest);
    const bids = bidsOf(router.registry.list());
    for (const description of TASKS) {
      expect(Array.from(router.decide({ description, bids }).capability)).toEqual(
        Array.from(sync.decide({ description, bids }).capability),
      );
    }
  });

  it('a scorer that throws while compiling in the background: the error goes to the next caller, not the process', async () => {
    let broken = true;
    const scorer: Scorer = {
      name: 'fragile',
      compile: (agents) => {
        if (broken) throw new Error('fragile scorer failed');
        return createDefaultScorer({ reranker: false }).compile(agents);
      },
    };
    const router = open({ scorer, backgroundCompile: true });
    router.registerAgent(agent('forge', { keywords: ['bug'] }));
    await expect(router.whenCompiled()).rejects.toThrow('fragile scorer failed');
    const request = { description: 'fix the bug', bids: [{ agentId: 'forge', bidSats: 5 }] };
    expect(() => router.decide(request)).toThrow('fragile scorer failed');
    broken = false;
    router.registerAgent(agent('quill', { keywords: ['draft'] })); // a roster change tries again
    await router.whenCompiled();
    expect(router.decide(request).selectedAgent).toBe('forge');
  });

  it('close stops background work: nothing runs after it', async () => {
    const router = open({ backgroundCompile: true });
    for (const manifest of roster(60, 10)) router.registerAgent(manifest);
    const compiled = router.whenCompiled();
    await router.close();
    await compiled; // released by close, not by the end of training
  });
});

function completed(i: number, agentId: string, description: string): RecordedOutcome {
  return {
    seq: i + 1,
    agentId,
    status: 'completed',
    outcomeSeq: i + 1,
    recordedAtMs: 0,
    taskId: `t${i}`,
    description,
  };
}
