import { describe, expect, it } from 'vitest';
import { AgentHistory } from './agent-history.js';

describe('agent history', () => {
  it('starts a new agent at the prior mean: neither starved nor trusted blindly', () => {
    expect(new AgentHistory().of('new')).toEqual({
      outcomes: 0,
      completed: 0,
      failed: 0,
      successRate: 0.5,
      averageDurationMs: undefined,
    });
    expect(new AgentHistory({ priorSuccesses: 3, priorFailures: 1 }).of('new').successRate).toBe(0.75);
  });

  it('moves the rate with evidence, less for each outcome as evidence grows', () => {
    const h = new AgentHistory({ decay: 1 });
    h.record('a', 'completed');
    expect(h.of('a').successRate).toBeCloseTo(3 / 5);
    for (let i = 0; i < 95; i++) h.record('a', 'completed');
    h.record('a', 'failed');
    expect(h.of('a').successRate).toBeCloseTo(98 / 101);
    expect(h.of('a')).toMatchObject({ outcomes: 97, completed: 96, failed: 1 });
  });

  it('forgets old outcomes at the decay rate, so a recovered agent is seen to recover', () => {
    const h = new AgentHistory({ decay: 0.9 });
    for (let i = 0; i < 50; i++) h.record('a', 'failed');
    for (let i = 0; i < 50; i++) h.record('a', 'completed');
    expect(h.of('a').successRate).toBeGreaterThan(0.8);
  });

  it('averages the durations that were reported, ignoring missing ones', () => {
    const h = new AgentHistory();
    h.record('a', 'completed', 100);
    h.record('a', 'failed');
    h.record('a', 'completed', 300);
    expect(h.of('a').averageDurationMs).toBe(200);
  });

  it('refuses a prior ≤ 0 or a decay outside (0, 1]', () => {
    expect(() => new AgentHistory({ priorSuccesses: 0 })).toThrow(/priorSuccesses/);
    expect(() => new AgentHistory({ decay: 2 })).toThrow(/decay/);
  });
});
