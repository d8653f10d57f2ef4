import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { couldBeAgentToken, newAgentToken } from './agent-token.js';

describe('agent tokens', () => {
  it('are all of the shape couldBeAgentToken accepts', () => {
    for (let i = 0; i < 1_000; i++) expect(couldBeAgentToken(newAgentToken())).toBe(true);
  });

  it('are never confused with text of another length or with characters outside base64url', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (text) => {
        const shaped = text.length === 43 && /^[A-Za-z0-9_-]*$/.test(text);
        expect(couldBeAgentToken(text)).toBe(shaped);
      }),
    );
  });
});
