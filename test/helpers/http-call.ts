// biome-ignore lint/suspicious/noExplicitAny: tests read API answers field by field
export type Json = any;

/** One request to a real server; the body as JSON, or null when it is not JSON. */
export async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${url}${path}`, {
    method,
    // As a client of the API does: state-changing requests say JSON, with a body or without.
    headers: method === 'GET' || method === 'HEAD' ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json().catch(() => null) };
}
