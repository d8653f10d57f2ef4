import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentManifest } from '../manifest/manifest.js';
import { createClassicScorer } from './classic-scorer.js';

const agent = (capabilities: string[], keywords: string[], agentId = 'x'): AgentManifest => ({
  agentId,
  agentName: agentId,
  capabilities,
  keywords,
  rateSats: 10,
});

const scoreOne = (manifest: AgentManifest, text: string): number =>
  createClassicScorer().compile([manifest]).score(text)[0] as number;

describe('classic scorer (the seed rules, DESIGN.md)', () => {
  it.each([
    { rule: 'each keyword found adds 0.3', caps: [], kws: ['bug'], text: 'a bug', want: 0.3 },
    { rule: 'keywords match case-insensitively', caps: [], kws: ['BuG'], text: 'A BUG', want: 0.3 },
    {
      rule: 'a keyword matches inside another word (substring quirk)',
      caps: [],
      kws: ['code'],
      text: 'decode it',
      want: 0.3,
    },
    { rule: '"test" matches "contest"', caps: [], kws: ['test'], text: 'a contest', want: 0.3 },
    { rule: 'duplicate keywords each count', caps: [], kws: ['fix', 'fix'], text: 'fix', want: 0.6 },
    {
      rule: 'each capability found adds 0.2',
      caps: ['security'],
      kws: [],
      text: 'security',
      want: 0.2 + 0.1 * 0,
    },
    {
      rule: 'related words hang off capability keys',
      caps: ['code'],
      kws: [],
      text: 'fix the bug',
      want: 0.1 + 0.1,
    },
    {
      rule: '"coding" never reaches the "code" related words',
      caps: ['coding'],
      kws: [],
      text: 'fix the bug',
      want: 0,
    },
    { rule: 'related words are substrings too', caps: ['security'], kws: [], text: 'scanner', want: 0.1 },
    { rule: 'nothing found scores 0', caps: ['writing'], kws: ['draft'], text: 'deploy now', want: 0 },
  ])('$rule', ({ caps, kws, text, want }) => {
    expect(scoreOne(agent(caps, kws), text)).toBe(want);
  });

  it('sums keywords, then capabilities, then related words, in IEEE doubles, before capping', () => {
    // 0.3 + 0.3 + 0.3 is 0.8999999999999999 in doubles, exactly what the seed stores for such a task.
    expect(scoreOne(agent([], ['a', 'b', 'c']), 'a b c')).toBe(0.3 + 0.3 + 0.3);
    expect(scoreOne(agent([], ['a', 'b', 'c']), 'a b c')).toBe(0.8999999999999999);
    // keyword 0.3 then capability 0.2 then related 0.1: (0.3 + 0.2) + 0.1
    expect(scoreOne(agent(['security'], ['firewall']), 'firewall security audit')).toBe(0.3 + 0.2 + 0.1);
  });

  it('caps the score at 1.0 only after summing', () => {
    expect(scoreOne(agent([], ['a', 'b', 'c', 'd']), 'a b c d')).toBe(1);
  });

  it('scores every agent of the roster in roster order', () => {
    const scorer = createClassicScorer().compile([agent([], ['bug'], 'a'), agent([], ['draft'], 'b')]);
    expect([...scorer.score('draft a bug report')]).toEqual([0.3, 0.3]);
    expect([...scorer.score('draft')]).toEqual([0, 0.3]);
  });

  it('equals a line-by-line transcription of the seed on any roster and text', () => {
    // The seed's score_task_match, written the naive way: one `in` test per term, additions in order.
    const related: Record<string, string[]> = {
      code: ['function', 'class', 'bug', 'fix', 'implement'],
      write: ['document', 'draft', 'content', 'article'],
      analyze: ['data', 'report', 'metric', 'insight'],
      security: ['vulnerability', 'threat', 'audit', 'scan'],
    };
    const seedScore = (m: AgentManifest, task: string): number => {
      const lower = task.toLowerCase();
      let score = 0.0;
      for (const kw of m.keywords) if (lower.includes(kw.toLowerCase())) score += 0.3;
      for (const cap of m.capabilities) if (lower.includes(cap.toLowerCase())) score += 0.2;
      for (const cap of m.capabilities) {
        for (const word of related[cap.toLowerCase()] ?? []) if (lower.includes(word)) score += 0.1;
      }
      return Math.min(score, 1.0);
    };
    // A small alphabet makes hits, repeats (counts past 8) and overlaps common.
    const tag = fc.oneof(
      fc.stringMatching(/^[abcX]{1,3}$/),
      fc.constantFrom('code', 'Security', 'bug', 'scan'),
    );
    const manifest = fc
      .tuple(fc.array(tag, { maxLength: 4 }), fc.array(tag, { maxLength: 14 }))
      .map(([caps, kws]) => agent(caps, kws));
    const text = fc.oneof(
      fc.stringMatching(/^[abcXK \u212a]{0,40}$/),
      fc.constantFrom('fix the BUG; scan code'),
    );
    fc.assert(
      fc.property(fc.array(manifest, { minLength: 1, maxLength: 5 }), text, (roster, task) => {
        const scores = createClassicScorer().compile(roster).score(task);
        expect([...scores]).toEqual(roster.map((m) => seedScore(m, task)));
      }),
    );
  });

  it('keeps every score within [0, 1] for any manifest and text', () => {
    const tag = fc.string({ minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        fc.array(tag, { maxLength: 6 }),
        fc.array(tag, { maxLength: 12 }),
        fc.string({ maxLength: 80 }),
        (caps, kws, text) => {
          const s = scoreOne(agent(caps, kws), text);
          return s >= 0 && s <= 1;
        },
      ),
    );
  });
});
