import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouterError } from '../kernel/errors.js';
import { checkedResult, MAX_RESULT_BYTES } from './outcome-result.js';

/** An agent's result is checked once, at the edge: whatever its shape, taken or refused as bad input. */
describe('checkedResult', () => {
  it('takes a small object, and refuses anything else as invalid_request, nested however deep', () => {
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
        if (depth <= 1_000 && depth * 6 < MAX_RESULT_BYTES) expect(outcome).toBe('taken');
      }),
      { numRuns: 60 },
    );
  });
});
