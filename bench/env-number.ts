/**
 * A benchmark's numeric setting from the environment: its default when unset, and a one-line error
 * naming the variable when it is not a number of the kind asked for (a typo would otherwise run
 * for NaN seconds, or with NaN connections).
 */
export function envNumber(name: string, fallback: number, { min = 0, integer = true } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    console.error(`${name}=${raw}: expected ${integer ? 'a whole number' : 'a number'} ≥ ${min}`);
    process.exit(2);
  }
  return value;
}

/** A comma-separated list of whole numbers ≥ min, e.g. BENCH_SCALE_INSTANCES=1,2,3. */
export function envNumberList(name: string, fallback: readonly number[], min = 1): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < min)) {
    console.error(`${name}=${raw}: expected whole numbers ≥ ${min}, separated by commas`);
    process.exit(2);
  }
  return values;
}
