import { isRouterError, RouterError } from '../kernel/errors.js';

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

/** A command line the command cannot run with, as a whole (a missing argument, flags that conflict). */
export function usageError(option: string, message: string): RouterError {
  return new RouterError('invalid_request', message, { details: { option } });
}

/**
 * A usage error names the option or argument that was wrong (`details.option`): badArgument,
 * usageError, or a router error about a flag's value that asFlagError has tagged. main ends its
 * message with a pointer to the command's --help; errors about files, the log or the bids do not
 * get one, since the help would not say how to fix them.
 */
export function isUsageError(error: unknown): boolean {
  return isRouterError(error) && typeof error.details?.option === 'string';
}

/**
 * The router's refusals of a value that, in the CLI, came from a flag (or its SWARM_ROUTER_*
 * variable): tagged with the flag so main treats them as usage errors. Message and code are kept.
 */
export function asFlagError(error: unknown): unknown {
  if (!isRouterError(error)) return error;
  const option =
    error.code === 'unknown_scorer'
      ? '--scorer'
      : error.details?.bidNormalisation !== undefined
        ? '--bid-normalisation'
        : undefined;
  if (option === undefined) return error;
  return new RouterError(error.code, error.message, { details: { ...error.details, option }, cause: error });
}
