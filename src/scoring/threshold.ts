/**
 * The share of in-scope tasks a "no suitable agent" threshold should keep: what `eval --oos` calibrates
 * to and what the default scorer's suggested threshold aims at.
 */
export const IN_SCOPE_ACCEPTANCE = 0.95;

/** The highest threshold t such that at least `acceptance` of `scores` are ≥ t (1 for no scores). */
export function thresholdKeeping(scores: readonly number[], acceptance: number): number {
  const sorted = [...scores].sort((a, b) => a - b);
  // Accepting ⌈acceptance·n⌉ scores means the threshold is the smallest of the top ones.
  const keep = Math.ceil(acceptance * sorted.length);
  return keep === 0 ? 1 : (sorted[sorted.length - keep] as number);
}
