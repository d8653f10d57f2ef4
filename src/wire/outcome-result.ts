import { RouterError } from '../kernel/errors.js';
import type { OutcomeResult } from '../policy/outcome.js';

/**
 * What an agent may hand back with an outcome: a JSON object of at most MAX_RESULT_BYTES as JSON
 * (an A2A agent's artifacts, a report). Checked once here; stored as text, sealed in the ledger.
 */
export const MAX_RESULT_BYTES = 64 * 1024;

export function checkedResult(value: unknown, where: string): OutcomeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RouterError('invalid_request', `${where} must be a JSON object`, { details: { field: where } });
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    // Nested deeper than JSON.stringify's stack goes (a few thousand levels, well under the size limit).
    throw new RouterError('invalid_request', `${where} is nested too deeply to store`, {
      details: { field: where },
    });
  }
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
