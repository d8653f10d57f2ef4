import { describe, expect, it } from 'vitest';
import { createRouter } from '../src/router/create-router.js';

function router() {
  const r = createRouter();
  for (const agentId of ['ops-a', 'ops-b']) {
    r.registerAgent({
      agentId,
      agentName: agentId,
      capabilities: ['devops'],
      keywords: ['deploy'],
      rateSats: 10,
      maxConcurrency: 2,
    });
  }
  return r;
}
const bids = [
  { agentId: 'ops-a', bidSats: 10 },
  { agentId: 'ops-b', bidSats: 10 },
];

describe('router: live agent state reaches the policy', () => {
  it('refuses an agent at its max_concurrency, and takes it back when load falls', () => {
    const r = router();
    r.setAgentLoad('ops-a', 2);
    const busy = r.decide({ description: 'deploy the service', bids });
    expect(busy.selectedAgent).toBe('ops-b');
    expect(busy.bidders[0]?.rejection).toBe('are at capacity');
    r.setAgentLoad('ops-a', 0);
    expect(r.decide({ description: 'deploy the service', bids }).selectedAgent).toBe('ops-a');
  });

  it('refuses an offline agent until it is back online, across roster changes', () => {
    const r = router();
    r.setAgentOnline('ops-b', false);
    r.setAgentOnline('ops-a', false);
    expect(r.decide({ description: 'deploy the service', bids }).selectionReason).toBe(
      'No suitable agent: 2 agents were refused: 2 are offline',
    );
    r.registerAgent({ agentId: 'ops-c', agentName: 'c', capabilities: [], keywords: [], rateSats: 1 });
    r.setAgentOnline('ops-a', true);
    expect(r.decide({ description: 'deploy the service', bids }).selectedAgent).toBe('ops-a');
  });

  it('refuses a negative or fractional load with a TypeError', () => {
    expect(() => router().setAgentLoad('ops-a', -1)).toThrow(TypeError);
    expect(() => router().setAgentLoad('ops-a', 1.5)).toThrow(TypeError);
  });
});
