import { describe, expect, it } from 'vitest';
import { agent } from '../../test/helpers/manifest.js';
import { createDefaultScorer } from '../scoring/default-scorer.js';
import type { Scorer } from '../scoring/scorer.js';
import { createRouter } from './create-router.js';

/** The default scorer, counting the tasks its compiled rosters score. */
function countingScorer(): { scorer: Scorer; scored: () => number } {
  const base = createDefaultScorer({ reranker: false });
  let scored = 0;
  const scorer: Scorer = {
    name: base.name,
    compile: (agents, evidence) => {
      const compiled = base.compile(agents, evidence);
      return {
        ...compiled,
        score: (description) => {
          scored++;
          return compiled.score(description);
        },
      };
    },
  };
  return { scorer, scored: () => scored };
}

describe("the router's last scores", () => {
  it('score a task decided twice in a row once, and again once an outcome was learned', () => {
    const { scorer, scored } = countingScorer();
    const router = createRouter({ scorer });
    router.registerAgent(agent('forge', { keywords: ['bug', 'code'] }));
    router.registerAgent(agent('quill', { keywords: ['draft', 'blog'] }));
    const bids = [{ agentId: 'forge', bidSats: 5 }];
    const first = router.decide({ description: 'fix the bug', bids: [] });
    const second = router.decide({ description: 'fix the bug', bids });
    expect(scored()).toBe(1);
    expect(Array.from(second.capability)).toEqual(Array.from(first.capability));
    router.decide({ description: 'draft a blog post', bids: [] });
    expect(scored()).toBe(2);
    const before = router.decide({ description: 'draft a blog post', bids: [] });
    router.learnOutcome({
      seq: 1,
      agentId: 'forge',
      status: 'completed',
      outcomeSeq: 1,
      recordedAtMs: 0,
      taskId: 't1',
      description: 'draft a blog post',
    });
    const after = router.decide({ description: 'draft a blog post', bids: [] });
    expect(scored()).toBe(3);
    // What was learned is in the new scores: forge matches the task now.
    const forge = after.agentIds.indexOf('forge');
    expect(after.capability[forge]).toBeGreaterThan(before.capability[before.agentIds.indexOf('forge')] ?? 0);
  });
});
