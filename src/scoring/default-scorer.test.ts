import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agent } from '../../test/helpers/manifest.js';
import { createDefaultScorer } from './default-scorer.js';
import { defaultAnalyzer } from './text/analyzer.js';
import { TextEvidence } from './text-evidence.js';

const roster = [
  agent('forge', { capabilities: ['coding'], keywords: ['refactor'], description: 'Writes and fixes code.' }),
  agent('quill', { capabilities: ['writing'], examples: ['Draft a blog post about our launch'] }),
  agent('mace', { capabilities: ['security'], description: 'Audits systems for vulnerabilities.' }),
];
const score = (text: string, agents = roster): number[] => [
  ...createDefaultScorer().compile(agents).score(text),
];

describe('default scorer', () => {
  it('ranks the agent whose manifest covers the task first', () => {
    const [forge, quill, mace] = score('refactor this code');
    expect(forge).toBeGreaterThan(quill as number);
    expect(forge).toBeGreaterThan(mace as number);
  });

  it('matches whole words: "decode" does not reach a "code" agent', () => {
    const agents = [agent('a', { keywords: ['code'] }), agent('b', { keywords: ['decode'] })];
    expect(score('decode the stream', agents)).toEqual([0, expect.any(Number)]);
    expect(score('decode the stream', agents)[1]).toBeGreaterThan(0);
  });

  it('reads every field: examples and description count', () => {
    expect((score('draft a launch post') as number[])[1]).toBeGreaterThan(0);
    expect((score('audit for vulnerabilities') as number[])[2]).toBeGreaterThan(0);
  });

  it('reaches a coding agent through related terms ("bug" in the task, "coding" in the tag)', () => {
    const [forge, quill] = score('there is a bug in my function');
    expect(forge).toBeGreaterThan(0);
    expect(quill).toBe(0);
  });

  it('lets an unknown word stand in for a manifest word it is a prefix variant of, at half weight', () => {
    const agents = [
      agent('dict', { capabilities: ['definition'] }),
      agent('other', { capabilities: ['weather'] }),
    ];
    // "define" stems to "defin", which no manifest holds; "definition" stems to "definit".
    const [viaVariant, other] = score('define serendipity', agents);
    expect(viaVariant).toBeGreaterThan(0);
    expect(other).toBe(0);
    const [exact] = score('definition serendipity', agents);
    expect(viaVariant).toBeLessThan(exact as number);
    // Too short to be trusted as a variant: "def" stands for nothing.
    expect(score('def serendipity', agents)).toEqual([0, 0]);
  });

  it('counts function words matched in examples (task-like text), not in descriptions', () => {
    const agents = [
      agent('asks', { examples: ['what is your name'] }),
      agent('tells', { description: 'what is your name' }),
    ];
    const [asks, tells] = score('what is your name', agents);
    expect(asks).toBeGreaterThan(tells as number);
    expect(tells).toBeGreaterThan(0); // "name" still matches the description
  });

  it('ignores a stop word that no example holds: neither a match nor an unknown word', () => {
    const agents = [agent('a', { keywords: ['deploy'] }), agent('b', { keywords: ['docker'] })];
    expect(score('the deploy', agents)).toEqual(score('deploy', agents));
  });

  it('scores a task with no known word 0 for everyone', () => {
    expect(score('zzyzx qwv')).toEqual([0, 0, 0]);
    expect(score('')).toEqual([0, 0, 0]);
  });

  it('normalises to [0, 1] for any roster and text', () => {
    const words = fc.constantFrom('code', 'bug', 'deploy', 'draft', 'the', 'audit', 'x', 'data', 'report');
    const text = fc.array(words, { maxLength: 12 }).map((w) => w.join(' '));
    const manifest = fc
      .record({ caps: fc.array(words, { maxLength: 3 }), kws: fc.array(words, { maxLength: 5 }), desc: text })
      .map((m) => agent('x', { capabilities: m.caps, keywords: m.kws, description: m.desc }));
    fc.assert(
      fc.property(fc.array(manifest, { minLength: 1, maxLength: 6 }), text, (agents, task) => {
        for (const s of score(
          task,
          agents.map((a, i) => ({ ...a, agentId: `a${i}` })),
        )) {
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('compares across tasks: a task fully about an agent scores higher than one half about it', () => {
    const [full] = score('refactor code');
    const [half] = score('refactor code zebra giraffe');
    expect(full).toBeGreaterThan(half as number);
  });

  it('learns from outcomes: success pulls an agent up for such text, failure pushes it down', () => {
    const agents = [
      agent('a', { description: 'general helper' }),
      agent('b', { description: 'general helper' }),
    ];
    const evidence = new TextEvidence();
    const compiled = createDefaultScorer().compile(agents, evidence);
    const task = 'rotate the kubernetes certificates';
    expect([...compiled.score(task)]).toEqual([0, 0]);
    evidence.learn('b', defaultAnalyzer.terms(task), true);
    const [a1, b1] = compiled.score('kubernetes certificates expired');
    expect(b1).toBeGreaterThan(a1 as number);
    evidence.learn('a', defaultAnalyzer.terms('general helper task'), false);
    const [a2] = compiled.score('general helper');
    const [aFresh] = createDefaultScorer().compile(agents).score('general helper');
    expect(a2).toBeLessThan(aFresh as number);
  });

  it('ignores evidence about agents that are no longer registered', () => {
    const evidence = new TextEvidence();
    evidence.learn('gone', ['kubernet'], true);
    const compiled = createDefaultScorer().compile([agent('a')], evidence);
    expect([...compiled.score('kubernetes')]).toEqual([0]);
  });

  it('refuses nonsense configuration with a TypeError naming the option', () => {
    expect(() => createDefaultScorer({ k1: -1 })).toThrow(/k1/);
    expect(() => createDefaultScorer({ b: 2 })).toThrow(/b in \[0, 1\]/);
    expect(() => createDefaultScorer({ fieldWeights: { examples: Number.NaN } })).toThrow(/examples/);
    const noVectors = () => undefined;
    expect(() => createDefaultScorer({ wordVectors: noVectors, semantic: { nearest: 1.5 } })).toThrow(
      /semantic\.nearest/,
    );
    expect(() => createDefaultScorer({ wordVectors: noVectors, semantic: { floor: 1 } })).toThrow(
      /semantic\.floor/,
    );
  });
});

describe('default scorer: what failures may take', () => {
  const words = ['pdf', 'invoice', 'spreadsheet', 'convert', 'deploy', 'docker', 'the', 'into', 'this', 'a'];
  const text = fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 8 }).map((w) => w.join(' '));

  it('takes at most failurePenalty of an agent’s match, however many tasks it failed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), text), { maxLength: 20 }),
        text,
        fc.constantFrom(0.25, 0.5, 0.9),
        (failures, task, failurePenalty) => {
          const agents = [
            agent('a', { keywords: ['pdf', 'invoice', 'spreadsheet'] }),
            agent('b', { keywords: ['deploy', 'docker'] }),
          ];
          const evidence = new TextEvidence();
          for (const [agentId, failed] of failures)
            evidence.learn(agentId, defaultAnalyzer.terms(failed), false);
          const before = createDefaultScorer({ failurePenalty }).compile(agents).score(task);
          const after = createDefaultScorer({ failurePenalty }).compile(agents, evidence).score(task);
          for (let i = 0; i < agents.length; i++) {
            expect(after[i]).toBeLessThanOrEqual((before[i] as number) + 1e-12);
            expect(after[i]).toBeGreaterThanOrEqual((1 - failurePenalty) * (before[i] as number) - 1e-12);
          }
        },
      ),
    );
  });
});

describe('default scorer: bounds under extreme configuration', () => {
  it('stays within [0, 1] with k1 = 0 (every match saturated) and heavy negative evidence', () => {
    const agents = [agent('a', { keywords: ['deploy', 'docker'] }), agent('b', { keywords: ['deploy'] })];
    const evidence = new TextEvidence({ decay: 1 });
    for (let i = 0; i < 50; i++) evidence.learn('b', ['deploy', 'docker'], false);
    const compiled = createDefaultScorer({ k1: 0, failurePenalty: 5 }).compile(agents, evidence);
    const [a, b] = compiled.score('deploy docker');
    expect(a).toBeLessThanOrEqual(1);
    expect(a).toBeGreaterThan(0.99);
    expect(b).toBe(0);
  });
});
