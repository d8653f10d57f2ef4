import { describe, expect, it } from 'vitest';
import { TextEvidence } from './text-evidence.js';

const evidenceOf = (e: TextEvidence, term: string) => new Map(e.forTerm(term));

describe('text evidence', () => {
  it('counts each distinct term of a task once, for successes and failures apart', () => {
    const e = new TextEvidence({ decay: 1 });
    e.learn('a', ['bug', 'bug', 'fix'], true);
    e.learn('a', ['bug'], false);
    expect(evidenceOf(e, 'bug').get('a')).toEqual({ positive: 1, negative: 1 });
    expect(evidenceOf(e, 'fix').get('a')).toEqual({ positive: 1, negative: 0 });
    expect(e.positiveMass('a')).toBe(2);
    expect(e.outcomes).toBe(2);
  });

  it('decays an agent’s older evidence at each of its outcomes, and only its own', () => {
    const e = new TextEvidence({ decay: 0.5 });
    e.learn('a', ['old'], true);
    e.learn('b', ['other'], true);
    e.learn('a', ['new'], true);
    expect(evidenceOf(e, 'old').get('a')?.positive).toBeCloseTo(0.5);
    expect(evidenceOf(e, 'new').get('a')?.positive).toBeCloseTo(1);
    expect(evidenceOf(e, 'other').get('b')?.positive).toBeCloseTo(1);
  });

  it('stays bounded by 1 / (1 - decay) however often a term repeats', () => {
    const e = new TextEvidence({ decay: 0.9 });
    for (let i = 0; i < 5000; i++) e.learn('a', ['same'], true);
    const positive = evidenceOf(e, 'same').get('a')?.positive as number;
    expect(positive).toBeLessThanOrEqual(10 + 1e-9);
    expect(positive).toBeCloseTo(10, 6);
  });

  it('forgets evidence that has faded away when it rescales', () => {
    const e = new TextEvidence({ decay: 0.5 });
    e.learn('a', ['once'], true);
    for (let i = 0; i < 600; i++) e.learn('a', ['again'], true); // scale passes 1e-150: rescale
    expect(evidenceOf(e, 'once').size).toBe(0);
    expect(evidenceOf(e, 'again').get('a')?.positive).toBeCloseTo(2, 6);
  });

  it('weighs failures by failureWeight', () => {
    const e = new TextEvidence({ decay: 1, failureWeight: 0.25 });
    e.learn('a', ['x'], false);
    expect(evidenceOf(e, 'x').get('a')).toEqual({ positive: 0, negative: 0.25 });
  });

  it('refuses a decay outside (0, 1] or a negative failure weight', () => {
    expect(() => new TextEvidence({ decay: 0 })).toThrow(/decay/);
    expect(() => new TextEvidence({ decay: 1.5 })).toThrow(/decay/);
    expect(() => new TextEvidence({ failureWeight: -1 })).toThrow(/failureWeight/);
  });
});
