import type { Steps } from './steps.js';

/** Strings per run sorted by Array.prototype.sort in one piece, and merged per piece. */
const RUN = 2048;

/**
 * Sorts strings in UTF-16 code unit order (what `[...strings].sort()` gives) in pieces of at most
 * RUN strings sorted or merged, so that a vocabulary of a million terms is sorted without holding the
 * event loop: runs of `run` strings are sorted, then merged pairwise, bottom-up. Returns a new array.
 */
export function* sortInSteps(strings: Iterable<string>, run = RUN): Steps<string[]> {
  let from = [...strings];
  const n = from.length;
  for (let start = 0; start < n; start += run) {
    const sorted = from.slice(start, start + run).sort();
    for (let i = 0; i < sorted.length; i++) from[start + i] = sorted[i] as string;
    yield;
  }
  let to: string[] = new Array(n);
  for (let width = run; width < n; width *= 2) {
    let sinceYield = 0;
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        // Equal strings are interchangeable, so stability does not matter; `<` compares code units.
        if (j >= hi || (i < mid && (from[i] as string) <= (from[j] as string))) to[k] = from[i++] as string;
        else to[k] = from[j++] as string;
        if (++sinceYield === run) {
          sinceYield = 0;
          yield;
        }
      }
    }
    [from, to] = [to, from];
  }
  return from;
}
