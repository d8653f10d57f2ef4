import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toRouteRequest, validateRouteRequestDto } from './route-dto.js';
import { quickRouteRequest } from './route-line-check.js';

/** What the full validator makes of a value, or undefined where it refuses it. */
function fullCheck(value: unknown) {
  try {
    return toRouteRequest(validateRouteRequestDto(value, 'test'));
  } catch {
    return undefined;
  }
}

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));
const oddText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: codeUnit, maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom(
    '',
    'forge',
    'cafe\u0301',
    'evil\ud800',
    'nul\u0000',
    'tab\there',
    'x'.repeat(201),
    '\u0085',
  ),
);
const oddNumber = fc.oneof(
  fc.integer({ min: -5, max: 1000 }),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, -0, 1.5),
);
const oddBid = fc.oneof(
  fc.record({ agent_id: oddText, bid_sats: oddNumber }),
  fc.record({ agent_id: oddText, bid_sats: oddNumber, extra: fc.constant(1) }),
  fc.record({ agent_id: oddText }),
  fc.constantFrom(null, 'forge', [] as unknown[]),
);
const oddLine = fc.oneof(
  fc.record(
    { task_id: oddText, description: oddText, bids: fc.array(oddBid, { maxLength: 4 }) },
    { requiredKeys: ['description', 'bids'] },
  ),
  fc.record(
    {
      task_id: oddText,
      description: oddText,
      bids: fc.oneof(fc.array(oddBid, { maxLength: 3 }), fc.constant('none')),
      max_bid_sats: oddNumber,
      exclude: fc.array(oddText, { maxLength: 2 }),
      required_capabilities: fc.array(oddText, { maxLength: 2 }),
      other: fc.constant(true),
    },
    { requiredKeys: [] },
  ),
  fc.constantFrom(null, [], 'text', 42),
);

describe('quickRouteRequest', () => {
  it('takes the common shape to the request the full validator makes of it', () => {
    const line = {
      task_id: 't1-0000001',
      description: 'audit the firewall, then write the report',
      bids: [
        { agent_id: 'forge', bid_sats: 50 },
        { agent_id: 'mace', bid_sats: 0 },
      ],
    };
    const quick = quickRouteRequest(structuredClone(line));
    expect(quick).toStrictEqual(fullCheck(structuredClone(line)));
    expect(quick?.bids).toEqual([
      { agentId: 'forge', bidSats: 50 },
      { agentId: 'mace', bidSats: 0 },
    ]);
  });

  it('leaves every other shape to the full validator', () => {
    for (const line of [
      { description: 'x', bids: [], max_bid_sats: 10 }, // valid, but another field
      { task_id: 'caf\u00e9', description: 'x', bids: [] }, // valid, a non-ASCII id
      { description: 'emoji 👩', bids: [] }, // valid, a surrogate pair
      { description: 'x', bids: [{ agent_id: 'forge', bid_sats: 1.5 }] },
      { description: 'x', bids: [{ agent_id: 'tab\tid', bid_sats: 1 }] },
      { description: 'x', bids: [{ agent_id: 'forge', bid_sats: 1, note: '' }] },
      { description: 'nul\u0000', bids: [] },
      JSON.parse('{"description":"x","bids":[],"__proto__":{}}'),
    ]) {
      expect(quickRouteRequest(line), JSON.stringify(line)).toBeUndefined();
    }
  });

  it('accepts only what the full validator accepts, and makes the same request of it', () => {
    fc.assert(
      fc.property(oddLine, (line) => {
        const quick = quickRouteRequest(structuredClone(line));
        if (quick !== undefined) expect(quick).toStrictEqual(fullCheck(structuredClone(line)));
      }),
      { numRuns: 2000 },
    );
  });
});
