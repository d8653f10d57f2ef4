import type { TSchema } from '@sinclair/typebox';
import type { FastifySchemaCompiler } from 'fastify';
import { compileAnyValidator } from '../wire/validate.js';

/** Where a request part is, in error messages: `body: bids[0].bid_sats must be integer (got "5")`. */
const PART_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'headers',
};

/**
 * Fastify validates with the wire's own validators (wire/validate.ts), so the service and the CLI
 * word a bad field the same way and throw the same RouterError (`invalid_request`, 400).
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const where = PART_NAMES[httpPart ?? 'body'] ?? 'request';
  const validate = compileAnyValidator(schema);
  return (data: unknown) => {
    try {
      return { value: validate(data, where) };
    } catch (error) {
      return { error: error as Error };
    }
  };
};
