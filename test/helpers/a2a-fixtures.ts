import { afterEach } from 'vitest';

/**
 * What the tests of A2A agents and MCP servers share: things started in a test (agents, servers,
 * services) closed after it, newest first; a JSON call to a service; the skill most of them route to.
 */
export function closedAfterEach(): { close(): Promise<void> }[] {
  const started: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const thing of started.splice(0).reverse()) await thing.close();
  });
  return started;
}

/** A call with a JSON body (if any); the answer's status and its JSON ({} when empty). */
export async function callJson(base: { readonly url: string }, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    // biome-ignore lint/suspicious/noExplicitAny: the answers' JSON is read loosely in tests; schemas check it in the service
    body: (text === '' ? {} : JSON.parse(text)) as Record<string, any>,
  };
}

/** A translation skill, with examples, as an A2A agent's card lists it. */
export const TRANSLATE_SKILL = {
  id: 'translate',
  name: 'Translate',
  description: 'Translate contracts and letters between languages',
  tags: ['translation', 'languages'],
  examples: ['Translate this contract into French', 'Translate the letter into German'],
};
