/**
 * Orders strings by UTF-16 code units, as `Array.prototype.sort()` without a comparator and SQL's
 * binary collation do: the order of cursors over ids, the same for every locale.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
