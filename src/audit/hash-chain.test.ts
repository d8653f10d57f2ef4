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
  it('is the documented JSON text and the scores as little-endian bytes, whatever the array types', () => {
    const text = JSON.stringify([
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
      [
        ['forge', 50, true],
        ['ghost', 5, false],
      ],
      ['10', 'forge'],
    ]);
    const view = new DataView(new ArrayBuffer(12 + 6 * 8));
    view.setUint32(0, 1, true); // position of the only non-zero capability score
    const floats = [
      0.8999999999999999, 0.8999999999999999, 0.5555555555555556, 0.7622222222222222, 0, 1, 0.4,
    ];
    for (const [i, x] of floats.entries()) view.setFloat64(4 + i * 8, x, true);
    const canonical = canonicalRecord(7, decision);
    expect(canonical.text).toBe(text);
    expect(canonical.scores.equals(new Uint8Array(view.buffer))).toBe(true);
    // A decision read back from a store has plain arrays and fresh objects: same canonical form.
    const readBack = {
      ...decision,
      capability: [0, 0.8999999999999999],
      agentIds: ['10', 'forge'],
      policy: { ...decision.policy },
    };
    expect(canonicalRecord(7, readBack)).toEqual(canonical);
  });

  it('changes the hash when anything changes', () => {
    const base = sealRecord('0'.repeat(64), 7, decision);
    expect(sealRecord('0'.repeat(64), 8, decision)).not.toBe(base);
    expect(sealRecord('1'.repeat(64), 7, decision)).not.toBe(base);
    expect(sealRecord('0'.repeat(64), 7, { ...decision, description: 'x' })).not.toBe(base);
    expect(sealRecord('0'.repeat(64), 7, { ...decision, capability: [0, 0.9] })).not.toBe(base);
    expect(sealRecord('0'.repeat(64), 7, { ...decision, capability: [0.1, 0.8999999999999999] })).not.toBe(
      base,
    );
    const cheaper = decision.bidders.map((b, i) => (i === 0 ? { ...b, combined: 0.7622222222222224 } : b));
    expect(sealRecord('0'.repeat(64), 7, { ...decision, bidders: cheaper })).not.toBe(base);
  });
});
