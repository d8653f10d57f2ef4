import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rejectionOf } from './filters.js';

const bidder = (agentId: string) => ({
  isRegistered: true,
  agentId,
  capabilityTags: new Set<string>(),
  bidSats: 10,
  inFlight: 0,
  maxConcurrency: Number.POSITIVE_INFINITY,
  isOffline: false,
});

describe('rejectionOf: exclusions', () => {
  it('refuses exactly the agents the list names, short or long, asked once or many times', () => {
    const id = fc.string({ minLength: 1, maxLength: 4, unit: 'grapheme' });
    fc.assert(
      fc.property(
        fc.array(id, { maxLength: 60 }),
        fc.array(id, { minLength: 1, maxLength: 10 }),
        (list, asked) => {
          const constraints = { excludedAgents: list };
          for (const agentId of [...asked, ...list.slice(0, 3)]) {
            const expected = list.includes(agentId) ? 'are excluded' : null;
            expect(rejectionOf(bidder(agentId), constraints, true)).toBe(expected);
          }
        },
      ),
    );
  });
});
