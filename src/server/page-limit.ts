import { Type } from '@sinclair/typebox';
import { RouterError } from '../kernel/errors.js';
import { MAX_PAGE_SIZE } from '../router/router.js';

/** A `limit` query parameter: digits only here, its range checked by pageLimit. */
export const LimitQuerySchema = (defaultLimit: number) =>
  Type.Optional(
    Type.String({ pattern: '^[0-9]{1,4}$', description: `1..${MAX_PAGE_SIZE}, default ${defaultLimit}` }),
  );

/** The page size a list read asked for: 1..MAX_PAGE_SIZE, `defaultLimit` when not given. */
export function pageLimit(text: string | undefined, defaultLimit: number): number {
  const limit = text === undefined ? defaultLimit : Number(text);
  if (!(limit >= 1 && limit <= MAX_PAGE_SIZE)) {
    throw new RouterError(
      'invalid_request',
      `query: limit must be from 1 to ${MAX_PAGE_SIZE} (got ${text})`,
      {
        details: { field: 'limit' },
      },
    );
  }
  return limit;
}
