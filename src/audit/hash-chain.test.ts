import { describe, expect, it } from 'vitest';
import type { Decision } from '../policy/decision.js';
import { canonicalRecord, sealRecord } from './hash-chain.js';

const decision: Decision = {
  decisionId: '01a2-id',
  taskId: 't "1"',
  description: 'Fix\nthe "bug" ✓',
  timestampMs: 1_700_000_000_000,
  policy: {
    name: 'classic',
    scorer: 'classic',
    signals: [
      { name: 'capability', weight: 0.6 },
      { name: 'bid-band', weight: 0.4 },
    ],
  },
  agentIds: ['10', 'forge'],
  capability: Float64Array.from([0, 0.8999999999999999]),
  bidders: [
    {
      agentId: 'forge',
      capability: 0.8999999999999999,
      bidSats: 50,
      signals: [0.8999999999999999, 0.5555555555555556],
      combined: 0.7622222222222222,
    },
    { agentId: 'ghost', capability: null, bidSats: 5, signals: [0, 1], combined: 0.4 },
  ],
  selectedAgent: 'forge',
  selectionReason: 'Selected forge',
};

describe('canonical record', () => {
  it('is the JSON text of the documented array, whatever the array types inside', () => {
    const expected = JSON.stringify([
      1,
      7,
      decision.decisionId,
      decision.taskId,
      decision.description,
      decision.timestampMs,
      [
        'classic',
        'classic',
        [
          ['capability', 0.6],
          ['bid-band', 0.4],
        ],
      ],
      'forge',
      'Selected forge',
      ['10', 'forge'],
      [0, 0.8999999999999999],
      decision.bidders.map((b) => [b.agentId, b.capability, b.bidSats, b.signals, b.combined]),
    ]);
    expect(canonicalRecord(7, decision)).toBe(expected);
    // A decision read back from a store has plain arrays and fresh objects: same text.
    const readBack = {
      ...decision,
      capability: [0, 0.8999999999999999],
      agentIds: ['10', 'forge'],
      policy: { ...decision.policy },
    };
    expect(canonicalRecord(7, readBack)).toBe(expected);
  });

  it('changes the hash when anything changes', () => {
    const base = sealRecord('0'.repeat(64), 7, decision);
    expect(sealRecord('0'.repeat(64), 8, decision)).not.toBe(base);
    expect(sealRecord('1'.repeat(64), 7, decision)).not.toBe(base);
    expect(sealRecord('0'.repeat(64), 7, { ...decision, description: 'x' })).not.toBe(base);
    expect(sealRecord('0'.repeat(64), 7, { ...decision, capability: [0, 0.9] })).not.toBe(base);
  });
});
