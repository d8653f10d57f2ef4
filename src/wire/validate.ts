import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type AnySchemaObject, type ErrorObject } from 'ajv';
import type { DataValidationCxt } from 'ajv/dist/types/index.js';
import { RouterError } from '../kernel/errors.js';
import { findTextFault, ID_NORMAL_FORM } from './unicode-text.js';

/** One Ajv instance for every wire schema: validators are compiled once, at module load. */
const ajv = new Ajv({ allErrors: false, strict: true });

/**
 * Marks a string schema as an id: the value is replaced by its normal form (NFC) as it is validated,
 * so everything after the edge compares and stores one form. The schema's maxLength applies to the
 * value as sent; this keyword applies it again to the normal form, which can be longer.
 */
export const ID_KEYWORD = 'x-id';

/** No C0/C1 control characters: ids end up in logs, terminals and SSE frames. */
export const NO_CONTROL_CHARACTERS = '^[^\\u0000-\\u001F\\u007F-\\u009F]*$';

ajv.addKeyword({
  keyword: ID_KEYWORD,
  type: 'string',
  schemaType: 'boolean',
  modifying: true,
  errors: true,
  validate: function normalizeIdInPlace(
    isId: boolean,
    data: string,
    parentSchema?: AnySchemaObject,
    context?: DataValidationCxt,
  ): boolean {
    if (!isId || context === undefined) return true;
    const normal = data.normalize(ID_NORMAL_FORM);
    const max = parentSchema?.maxLength as number | undefined;
    if (max !== undefined && [...normal].length > max) {
      (normalizeIdInPlace as unknown as { errors: unknown[] }).errors = [
        {
          keyword: ID_KEYWORD,
          message: `must not be longer than ${max} characters in Unicode normal form ${ID_NORMAL_FORM}`,
          params: {},
        },
      ];
      return false;
    }
    (context.parentData as Record<string | number, unknown>)[context.parentDataProperty] = normal;
    return true;
  },
});

export type Validator<S extends TSchema> = (value: unknown, where: string) => Static<S>;

/**
 * Compiles a schema into a function that returns the value typed, or throws `invalid_request` whose
 * message names where the input came from (a file and line, a request body) and the field at fault,
 * e.g. `workload.jsonl:12: bids[0].bid_sats must be integer (got "5")`.
 */
export function compileValidator<S extends TSchema>(schema: S): Validator<S> {
  const check = ajv.compile(schema);
  return (value, where) => {
    // Every string, in every field and key, known to the schema or not: one check for all inputs.
    const fault = findTextFault(value);
    if (fault !== undefined) {
      const subject = fault.field === '' ? 'the value' : fault.field;
      throw new RouterError('invalid_request', `${where}: ${subject} ${fault.problem}`, {
        details: { where, field: fault.field },
      });
    }
    if (check(value)) return value as Static<S>;
    const error = check.errors?.[0];
    const field = error === undefined ? '' : fieldOf(error);
    const message = `${where}: ${describe(error, value)}`;
    throw new RouterError('invalid_request', message, { details: { where, field } });
  };
}

/**
 * Marks a two-member union whose member is chosen by whether a key (or any of a list of keys) is
 * present (`{"persona": …}` or a manifest), so a bad value is reported against the member it meant to
 * be rather than as "must match a schema in anyOf". The first member is the one without the key; a
 * member may itself be such a union.
 */
export const CHOOSE_BY = 'x-choose-by';

/** compileValidator for any schema, including CHOOSE_BY unions. */
export function compileAnyValidator(schema: TSchema): (value: unknown, where: string) => unknown {
  const chosenBy = (schema as Record<string, unknown>)[CHOOSE_BY];
  if (chosenBy === undefined) return compileValidator(schema);
  // A key, or several: the second member is meant when the value has any of them.
  const keys = Array.isArray(chosenBy) ? (chosenBy as string[]) : [chosenBy as string];
  const [without, withKey] = ((schema as TSchema & { anyOf: TSchema[] }).anyOf ?? []).map((member) =>
    compileAnyValidator(member),
  );
  if (without === undefined || withKey === undefined) {
    throw new TypeError(`expected a ${CHOOSE_BY} union of two schemas`);
  }
  return (value, where) => {
    const hasKey =
      typeof value === 'object' && value !== null && keys.some((key) => Object.hasOwn(value, key));
    return (hasKey ? withKey : without)(value, where);
  };
}

/** Ajv's `/bids/0/bid_sats` as `bids[0].bid_sats`. */
export function fieldOf(error: ErrorObject): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce(
      (acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc === '' ? part : `${acc}.${part}`),
      '',
    );
  if (error.keyword === 'required') return join(path, String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') return join(path, String(error.params.additionalProperty));
  return path;
}

function describe(error: ErrorObject | undefined, root: unknown): string {
  if (error === undefined) return 'invalid input';
  const field = fieldOf(error);
  switch (error.keyword) {
    case 'required':
      return `${field} is required`;
    case 'additionalProperties':
      return `${field} is not a known field`;
    case 'pattern':
      // Only the id pattern is about control characters; others (a page limit's digits) get Ajv's wording.
      if (error.params.pattern === NO_CONTROL_CHARACTERS)
        return `${field} must not contain control characters`;
      return inAjvWords(error, field, root);
    default:
      return inAjvWords(error, field, root);
  }
}

function inAjvWords(error: ErrorObject, field: string, root: unknown): string {
  const got = valueAt(root, error.instancePath);
  const subject = field === '' ? 'the value' : field;
  return `${subject} ${error.message ?? 'is invalid'} (got ${preview(got)})`;
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function valueAt(root: unknown, pointer: string): unknown {
  let value = root;
  for (const part of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Nested deeper than JSON.stringify's stack goes (a few thousand levels): its kind says enough.
    text = Array.isArray(value) ? '[...]' : '{...}';
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
