/** Two-decimal text of n/100 for n in 0..100: capability and combined scores lie in [0, 1]. */
const HUNDREDTHS_UP_TO_ONE = Array.from({ length: 101 }, (_, n) => hundredthsText(n));

function hundredthsText(n: number): string {
  const cents = n % 100;
  return `${(n - cents) / 100}.${cents < 10 ? '0' : ''}${cents}`;
}

/**
 * Python's `format(x, '.2f')`, which the seed's selection reasons use: round the exact binary value
 * half to even. JavaScript's `toFixed(2)` rounds the exact value too, but half up, so the two differ
 * only on exact ties such as 0.125 ("0.12" in Python, "0.13" from toFixed).
 */
export function formatPython2f(x: number): string {
  // Fast path (selection reasons are made for every decision): away from a tie, rounding x·100 in
  // doubles lands on the same integer as rounding the exact product, since the product's error
  // (a few ulps) is far below the 1e-9 margin.
  if (x >= 0 && x < 1e6) {
    const hundredths = x * 100;
    const fraction = hundredths - Math.floor(hundredths);
    if (Math.abs(fraction - 0.5) > 1e-9) {
      const n = Math.round(hundredths);
      // Looked up for scores (two per classic reason), formatted otherwise.
      return n <= 100 ? (HUNDREDTHS_UP_TO_ONE[n] as string) : hundredthsText(n);
    }
  }
  return exactPython2f(x);
}

function exactPython2f(x: number): string {
  const eighths = x * 8; // exact: scaling by a power of two
  if (Number.isInteger(eighths)) {
    // Exact ties at two decimals need x·200 odd with x a multiple of 1/8; x·100 is then exact.
    const hundredths = x * 100;
    if (!Number.isInteger(hundredths)) {
      const below = Math.floor(hundredths);
      const even = below % 2 === 0 ? below : below + 1;
      return (even / 100).toFixed(2);
    }
  }
  return x.toFixed(2);
}
