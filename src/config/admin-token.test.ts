import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouterError } from '../kernel/errors.js';
import { adminTokenProblem, MIN_ADMIN_TOKEN_LENGTH, requireStrongAdminToken } from './admin-token.js';

/** What a Bearer header carries as the service reads it: printable ASCII, no spaces. */
const bearerChar = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));

describe('the admin token', () => {
  it(`is accepted from ${MIN_ADMIN_TOKEN_LENGTH} printable, space-free ASCII characters on`, () => {
    fc.assert(
      fc.property(
        fc.string({ unit: bearerChar, minLength: MIN_ADMIN_TOKEN_LENGTH, maxLength: 200 }),
        (token) => {
          expect(adminTokenProblem(token)).toBeUndefined();
        },
      ),
    );
  });

  it('is refused when shorter, saying how long it is and how to make one, never quoting it', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: bearerChar, minLength: 1, maxLength: MIN_ADMIN_TOKEN_LENGTH - 1 }),
        (token) => {
          const error = catchError(() => requireStrongAdminToken(token));
          expect(error.code).toBe('weak_admin_token');
          expect(error.message).toContain(`is ${token.length} characters long`);
          expect(error.message).toContain('openssl rand -hex 32');
          if (token.length >= 4) expect(error.message).not.toContain(token);
        },
      ),
    );
  });

  it('is refused with a space or a character outside printable ASCII, however long', () => {
    const outside = fc.oneof(
      fc.constantFrom(' ', '\t', '\n', '\u007f', '\u00a0'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }).filter((c) => !/^[\x21-\x7e]$/.test(c)),
    );
    fc.assert(
      fc.property(
        fc.string({ unit: bearerChar, minLength: MIN_ADMIN_TOKEN_LENGTH, maxLength: 80 }),
        outside,
        fc.nat(),
        (token, bad, at) => {
          const position = at % (token.length + 1);
          const spoilt = token.slice(0, position) + bad + token.slice(position);
          expect(adminTokenProblem(spoilt)).toMatch(/space or a character outside printable ASCII/);
        },
      ),
    );
  });
});

function catchError(run: () => void): RouterError {
  try {
    run();
  } catch (error) {
    if (error instanceof RouterError) return error;
    throw error;
  }
  throw new Error('expected a RouterError');
}
