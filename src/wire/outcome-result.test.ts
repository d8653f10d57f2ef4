import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outcomeEntry } from '../chain/ledger-entry.js';
import { RouterError } from '../kernel/errors.js';
import { checkedResult, MAX_RESULT_BYTES, MAX_RESULT_DEPTH, nestsAtMost } from './outcome-result.js';

/** An agent's result is checked once, at the edge: whatever its shape, taken or refused as bad input. */
describe('checkedResult', () => {
  it('takes an object nested up to MAX_RESULT_DEPTH, and refuses anything deeper as invalid_request', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":'), (depth, open) => {
        const close = open === '[' ? ']' : '}';
        const value = JSON.parse(
          `{"x":${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}}`,
        );
        let outcome: 'taken' | 'refused';
        try {
          checkedResult(value, 'body: result');
          outcome = 'taken';
        } catch (error) {
          expect(error).toBeInstanceOf(RouterError);
          expect((error as RouterError).code).toBe('invalid_request');
          expect((error as RouterError).message).toMatch(/^body: result /);
          outcome = 'refused';
        }
        // The result object is level 1, its field x level 2: `depth` more below that.
        expect(outcome).toBe(
          depth + 1 <= MAX_RESULT_DEPTH && depth * 6 < MAX_RESULT_BYTES ? 'taken' : 'refused',
        );
        // What is taken can be sealed in the ledger.
        if (outcome === 'taken') {
          expect(() =>
            outcomeEntry({
              outcomeSeq: 1,
              seq: 1,
              agentId: 'a',
              status: 'completed',
              recordedAtMs: 0,
              result: value,
            } as never),
          ).not.toThrow();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('measures nesting with a stack of its own, at any depth', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200_000 }), fc.integer({ min: 1, max: 100 }), (depth, max) => {
        let value: unknown = 1;
        for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { v: value };
        expect(nestsAtMost(value, max)).toBe(depth <= max);
      }),
      { numRuns: 50 },
    );
  });
});
