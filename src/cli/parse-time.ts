import { badArgument } from './cli-error.js';

/** A time flag: epoch milliseconds, or an ISO 8601 date/time (UTC unless it says otherwise). */
export function parseTime(option: string, text: string): number {
  if (/^[0-9]{1,15}$/.test(text)) return Number(text);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw badArgument(option, 'an ISO 8601 time (2026-11-24T10:00:00Z) or epoch milliseconds', text);
  return ms;
}
