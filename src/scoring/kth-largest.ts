/**
 * The k-th largest of values[0..n) (1 ≤ k ≤ n), by quickselect on `scratch` (at least n long);
 * values are left as they are.
 */
export function kthLargest(values: Float64Array, n: number, k: number, scratch: Float64Array): number {
  scratch.set(values.subarray(0, n));
  let lo = 0;
  let hi = n - 1;
  const target = k - 1; // its index when sorted from the largest down
  while (lo < hi) {
    const pivot = scratch[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((scratch[i] as number) > pivot) i++;
      while ((scratch[j] as number) < pivot) j--;
      if (i <= j) {
        const t = scratch[i] as number;
        scratch[i] = scratch[j] as number;
        scratch[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return scratch[target] as number;
}
