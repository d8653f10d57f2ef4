import { describe, expect, it } from 'vitest';
import { checkRouteRequest, RosterIndex } from './route-request.js';

const rosterIndexOf = (ids: readonly string[]) => new RosterIndex(new Map(ids.map((id, i) => [id, i])));

const ids = Array.from({ length: 1000 }, (_, i) => `a${i}`);
const bid = (agentId: string, bidSats = 10) => ({ agentId, bidSats });

describe('checkRouteRequest', () => {
  it('returns each bidder’s roster position, -1 for unregistered ones when allowed', () => {
    const roster = rosterIndexOf(['x', 'y']);
    const positions = checkRouteRequest(
      { description: 'd', bids: [bid('y'), bid('ghost'), bid('x')] },
      roster,
      true,
    );
    expect([...positions.subarray(0, 3)]).toEqual([1, -1, 0]);
  });

  it('finds a duplicate anywhere in a long bid list, and forgets it for the next request', () => {
    const roster = rosterIndexOf(ids);
    const all = ids.map((id) => bid(id));
    expect(() => checkRouteRequest({ description: 'd', bids: all }, roster, false)).not.toThrow();
    expect(() => checkRouteRequest({ description: 'd', bids: [...all, bid('a500')] }, roster, false)).toThrow(
      "bids[1000]: agent 'a500' already bid on this task (one bid per agent)",
    );
    expect(() => checkRouteRequest({ description: 'd', bids: all }, roster, false)).not.toThrow();
  });

  it('finds a duplicate unregistered bidder', () => {
    const roster = rosterIndexOf(['x']);
    expect(() =>
      checkRouteRequest({ description: 'd', bids: [bid('g'), bid('x'), bid('g')] }, roster, true),
    ).toThrow(expect.objectContaining({ code: 'duplicate_bid' }));
  });

  it.each([
    {
      bids: [bid('x', -1)],
      code: 'invalid_request',
      message: 'bids[0].bid_sats must be an integer ≥ 0, got -1',
    },
    {
      bids: [bid('x', 1.5)],
      code: 'invalid_request',
      message: 'bids[0].bid_sats must be an integer ≥ 0, got 1.5',
    },
    { bids: [bid('')], code: 'invalid_request', message: 'bids[0].agent_id must be a non-empty string' },
    { bids: [bid('nobody')], code: 'unknown_agent', message: "bids[0]: agent 'nobody' is not registered" },
  ])('refuses $message', ({ bids, code, message }) => {
    expect(() => checkRouteRequest({ description: 'd', bids }, rosterIndexOf(['x']), false)).toThrow(
      expect.objectContaining({ code, message }),
    );
  });
});
