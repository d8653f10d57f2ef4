import { parseTimeText, TIME_TEXT_EXPECTED } from '../wire/time-text.js';
import { badArgument } from './cli-error.js';

/** A time flag: epoch milliseconds, or an ISO 8601 date/time (UTC unless it says otherwise). */
export function parseTime(option: string, text: string): number {
  const ms = parseTimeText(text);
  if (Number.isNaN(ms)) throw badArgument(option, TIME_TEXT_EXPECTED, text);
  return ms;
}
