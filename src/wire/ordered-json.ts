/**
 * JSON objects whose key order is the order given. JSON.stringify on a plain object puts integer-like
 * keys ("7", "42") first whatever the insertion order, which would reorder `capability_scores` for
 * agents with numeric ids; maps on the wire are written from entry lists instead.
 */
export function jsonMap(entries: Iterable<readonly [string, unknown]>): string {
  let out = '{';
  let first = true;
  for (const [key, value] of entries) {
    out += `${first ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(value)}`;
    first = false;
  }
  return `${out}}`;
}

/** An object from fields whose values are already JSON text, in the order given. */
export function jsonObject(fields: readonly (readonly [string, string])[]): string {
  let out = '{';
  for (let i = 0; i < fields.length; i++) {
    const [key, json] = fields[i] as readonly [string, string];
    out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${json}`;
  }
  return `${out}}`;
}
