/**
 * Python's `format(x, '.2f')`, which the seed's selection reasons use. JavaScript's `toFixed(2)` agrees
 * except on exact binary ties such as 0.125, where Python rounds half to even ("0.12") and toFixed
 * rounds up ("0.13"). Exact ties at two decimals need x·200 to be an odd integer with x a multiple of
 * 1/8, so that is the only case handled apart.
 */
export function formatPython2f(x: number): string {
  const eighths = x * 8; // exact: scaling by a power of two
  if (Number.isInteger(eighths)) {
    const hundredths = x * 100; // exact for multiples of 1/8
    if (!Number.isInteger(hundredths)) {
      const below = Math.floor(hundredths);
      const even = below % 2 === 0 ? below : below + 1;
      return (even / 100).toFixed(2);
    }
  }
  return x.toFixed(2);
}
