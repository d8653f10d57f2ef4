/**
 * A time as users write it in flags and query strings: epoch milliseconds, or an ISO 8601 date/time
 * (UTC unless it says otherwise). NaN when it is neither; each edge words its own error.
 */
export function parseTimeText(text: string): number {
  if (/^[0-9]{1,15}$/.test(text)) return Number(text);
  return /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
}

export const TIME_TEXT_EXPECTED = 'an ISO 8601 time (2026-11-24T10:00:00Z) or epoch milliseconds';
