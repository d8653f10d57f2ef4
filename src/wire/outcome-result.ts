import { RouterError } from '../kernel/errors.js';
import type { OutcomeResult } from '../policy/outcome.js';

/**
 * What an agent may hand back with an outcome: a JSON object of at most MAX_RESULT_BYTES as JSON
 * (an A2A agent's artifacts, a report). Checked once here; stored as text, sealed in the ledger.
 */
export const MAX_RESULT_BYTES = 64 * 1024;

/**
 * How deep a result's objects and arrays may nest. Sealing a result in the ledger (canonical JSON,
 * written recursively) runs out of stack at about 2,500 levels, far under the size limit (a few
 * bytes a level); no report an agent hands back needs a tenth of this.
 */
export const MAX_RESULT_DEPTH = 64;

/**
 * Whether `value` (parsed JSON) nests objects and arrays at most `max` levels deep (the value itself
 * is level 1). Walked with a stack of its own, so any depth is safe to ask about.
 */
export function nestsAtMost(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return false;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return true;
}

export function checkedResult(value: unknown, where: string): OutcomeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RouterError('invalid_request', `${where} must be a JSON object`, { details: { field: where } });
  }
  if (!nestsAtMost(value, MAX_RESULT_DEPTH)) {
    throw new RouterError(
      'invalid_request',
      `${where} nests objects and arrays more than ${MAX_RESULT_DEPTH} levels deep`,
      { details: { field: where } },
    );
  }
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_RESULT_BYTES) {
    throw new RouterError(
      'invalid_request',
      `${where} is ${bytes} bytes as JSON, over the limit of ${MAX_RESULT_BYTES}`,
      { details: { field: where } },
    );
  }
  return value as OutcomeResult;
}
