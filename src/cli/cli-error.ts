import { RouterError } from '../kernel/errors.js';

/** Prefixes a RouterError with where its input came from (`file:line`), keeping code and cause. */
export function withLocation(where: string, error: unknown): unknown {
  if (!(error instanceof RouterError)) return error;
  return new RouterError(error.code, `${where}: ${error.message}`, {
    details: { ...error.details, where },
    cause: error,
  });
}

/** A CLI argument that is not what it should be. */
export function badArgument(option: string, expected: string, got: string): RouterError {
  return new RouterError('invalid_request', `${option}: expected ${expected}, got '${got}'`, {
    details: { option, value: got },
  });
}
