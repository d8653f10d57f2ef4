import { describe, expect, it } from 'vitest';
import { fromRouteRequest, toRouteRequest, validateRouteRequestDto } from './route-dto.js';

describe('route request wire mapping', () => {
  it('maps to the core type and back, keeping bid order', () => {
    const dto = {
      task_id: 't',
      description: 'd',
      bids: [
        { agent_id: 'b', bid_sats: 2 },
        { agent_id: 'a', bid_sats: 1 },
      ],
    };
    const request = toRouteRequest(validateRouteRequestDto(dto, 'x'));
    expect(request.bids.map((b) => b.agentId)).toEqual(['b', 'a']);
    expect(fromRouteRequest(request)).toEqual(dto);
  });

  it('names the line and field of a bad bid', () => {
    expect(() =>
      validateRouteRequestDto({ description: 'd', bids: [{ agent_id: 'a' }] }, 'w.jsonl:9'),
    ).toThrow('w.jsonl:9: bids[0].bid_sats is required');
    expect(() =>
      validateRouteRequestDto({ description: 'd', bids: [{ agent_id: 'a', bid_sats: 2 ** 60 }] }, 'w'),
    ).toThrow(/w: bids\[0\]\.bid_sats must be <= 9007199254740991/);
  });
});
