import { createHash } from 'node:crypto';
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
  rosterSize: 2,
  bidders: [
    {
      agentId: 'forge',
      capability: 0.8999999999999999,
      bidSats: 50,
      signals: [0.8999999999999999, 0.5555555555555556],
      combined: 0.7622222222222222,
      rejection: null,
    },
    { agentId: 'ghost', capability: null, bidSats: 5, signals: [0, 1], combined: 0.4, rejection: null },
  ],
  selectedAgent: 'forge',
  selectionReason: 'Selected forge',
  confidence: null,
};

describe('canonical record', () => {
  it('is the documented framed text and the numbers as little-endian bytes, whatever the array types', () => {
    const text =
      'swarm-router/decision/1\n' +
      '7:01a2-id' +
      '5:t "1"' +
      '15:Fix\nthe "bug" ✓' +
      '7:classic7:classic2#10:capability8:bid-band' +
      '5:forge14:Selected forge' +
      '2#5:forge5:ghost' +
      '2#2:105:forge';
    const numbers = [7, 1_700_000_000_000, 0.6, 0.4];
    numbers.push(50, 1, 0.8999999999999999, 0.5555555555555556, 0.7622222222222222);
    numbers.push(5, 0, 0, 1, 0.4);
    numbers.push(1, 1, 0.8999999999999999); // one non-zero capability score: position 1
    const view = new DataView(new ArrayBuffer(numbers.length * 8));
    for (const [i, x] of numbers.entries()) view.setFloat64(i * 8, x, true);

    const canonical = canonicalRecord(7, decision);
    expect(canonical.text).toBe(text);
    expect(canonical.numbers.equals(new Uint8Array(view.buffer))).toBe(true);
    // A decision read back from a store has plain arrays and fresh objects: same canonical form.
    const readBack = {
      ...decision,
      capability: [0, 0.8999999999999999],
      agentIds: ['10', 'forge'],
      policy: { ...decision.policy },
    };
    expect(canonicalRecord(7, readBack)).toEqual(canonical);
  });

  it('frames thresholds and rejections after the roster, only when a record has them', () => {
    const withBoth: Decision = {
      ...decision,
      policy: { ...decision.policy, minCapability: 0.15 },
      bidders: decision.bidders.map((b, i) => (i === 1 ? { ...b, rejection: 'bid above max_bid_sats' } : b)),
    };
    const plain = canonicalRecord(7, decision).text;
    expect(canonicalRecord(7, withBoth).text).toBe(`${plain}\nT4:0.15\nR1#1@22:bid above max_bid_sats`);
  });

  it('frames the number of agents scored last, only when the decision kept fewer than it scored', () => {
    const plain = canonicalRecord(7, decision).text;
    expect(canonicalRecord(7, { ...decision, rosterSize: 10_000 }).text).toBe(`${plain}\nN5:10000`);
  });

  it('frames a confidence last, only when the decision has one, as the shortest decimal', () => {
    const plain = canonicalRecord(7, decision).text;
    expect(canonicalRecord(7, { ...decision, confidence: 0.83 }).text).toBe(`${plain}\nC4:0.83`);
    expect(canonicalRecord(7, { ...decision, rosterSize: 9, confidence: 1 }).text).toBe(
      `${plain}\nN1:9\nC1:1`,
    );
    // A decision object from before the field (a library caller's) hashes as one without confidence.
    const { confidence: _, ...older } = decision;
    expect(canonicalRecord(7, older as Decision).text).toBe(plain);
  });

  it('changes the hash when anything changes', () => {
    const base = sealRecord('0'.repeat(64), 7, decision);
    const variants: Decision[] = [
      { ...decision, description: 'x' },
      { ...decision, taskId: 't "2"' },
      { ...decision, selectedAgent: null },
      { ...decision, timestampMs: decision.timestampMs + 1 },
      { ...decision, capability: [0, 0.9] },
      { ...decision, capability: [0.1, 0.8999999999999999] },
      { ...decision, agentIds: ['1', '0forge'] },
      {
        ...decision,
        bidders: decision.bidders.map((b, i) => (i === 0 ? { ...b, combined: 0.7622222222222224 } : b)),
      },
      { ...decision, bidders: decision.bidders.map((b, i) => (i === 1 ? { ...b, capability: 0 } : b)) },
      { ...decision, bidders: [...decision.bidders].reverse() },
      {
        ...decision,
        bidders: decision.bidders.map((b, i) => (i === 1 ? { ...b, rejection: 'are not registered' } : b)),
      },
      { ...decision, policy: { ...decision.policy, minCapability: 0.15 } },
      { ...decision, rosterSize: 3 },
      { ...decision, confidence: 0.5 },
    ];
    expect(sealRecord('0'.repeat(64), 8, decision)).not.toBe(base);
    expect(sealRecord('1'.repeat(64), 7, decision)).not.toBe(base);
    for (const variant of variants) expect(sealRecord('0'.repeat(64), 7, variant)).not.toBe(base);
  });

  // sealRecord hashes one buffer it fills itself; the definition is SHA-256 over the predecessor's
  // hash, a newline, the canonical text as UTF-8 and the numbers' bytes, computed here the plain way.
  it('is SHA-256 over the predecessor, the canonical text and the numbers, for any text', () => {
    const texts = ['', 'plain', 'naïve résumé ✓ 漢字 🚀', 'lone \ud800 surrogate', 'x'.repeat(20_000)];
    let prevHash = '0'.repeat(64);
    for (const [seq, description] of texts.entries()) {
      const variant = { ...decision, description };
      const { text, numbers } = canonicalRecord(seq + 1, variant);
      const expected = createHash('sha256').update(`${prevHash}\n${text}`).update(numbers).digest('hex');
      expect(sealRecord(prevHash, seq + 1, variant)).toBe(expected);
      prevHash = expected;
    }
  });
});
