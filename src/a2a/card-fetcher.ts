import { AGENT_CARD_PATH } from '@a2a-js/sdk';
import { RouterError } from '../kernel/errors.js';
import { type ReadAgentCard, readAgentCard } from './agent-card.js';

/**
 * Fetches an A2A agent card. The URL may be the card's own, or the agent's base URL, where the card
 * is at the well-known path of the 1.0 protocol (`/.well-known/agent-card.json`) or, for agents of
 * 0.1–0.2, `/.well-known/agent.json`. Only an admin registers agents, but the URL still comes from
 * outside: http(s) only, a time limit, a size limit read as the body streams, and no body parsed
 * unless it is JSON.
 */

export const CARD_FETCH_TIMEOUT_MS = 5_000;
export const MAX_CARD_BYTES = 1024 * 1024;
const LEGACY_CARD_PATH = '.well-known/agent.json';

export interface FetchedCard {
  readonly card: ReadAgentCard;
  /** The URL the card was found at. */
  readonly cardUrl: string;
}

export interface CardFetchOptions {
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

function unavailable(where: string, url: string, reason: string): RouterError {
  return new RouterError(
    'card_unavailable',
    `${where}: the agent card at ${url} could not be read: ${reason}`,
    {
      details: { where, url },
    },
  );
}

/** The URLs to try, in order: the URL itself when it names a JSON file, else the well-known paths. */
export function cardUrlsFor(url: string, where: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RouterError(
      'invalid_request',
      `${where} must be an absolute URL (got ${JSON.stringify(url.slice(0, 100))})`,
      {
        details: { where, field: where },
      },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RouterError(
      'invalid_request',
      `${where} must be an http or https URL (got ${parsed.protocol})`,
      {
        details: { where, field: where },
      },
    );
  }
  if (parsed.pathname.endsWith('.json')) return [parsed.href];
  const base = parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
  return [new URL(AGENT_CARD_PATH, base).href, new URL(LEGACY_CARD_PATH, base).href];
}

export async function fetchAgentCard(
  url: string,
  where: string,
  options: CardFetchOptions = {},
): Promise<FetchedCard> {
  const candidates = cardUrlsFor(url, where);
  let lastMiss = '';
  for (const candidate of candidates) {
    const body = await fetchJsonText(candidate, where, options);
    if (body === undefined) {
      lastMiss = candidate;
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw unavailable(where, candidate, 'the answer is not JSON');
    }
    return { card: readAgentCard(json, `${where} (${candidate})`), cardUrl: candidate };
  }
  throw unavailable(
    where,
    url,
    candidates.length === 1
      ? 'not found (404)'
      : `not found at ${candidates.join(' nor at ')} (last: ${lastMiss})`,
  );
}

/** The body as text, or undefined on a 404 (the next candidate is tried). */
async function fetchJsonText(
  url: string,
  where: string,
  options: CardFetchOptions,
): Promise<string | undefined> {
  const maxBytes = options.maxBytes ?? MAX_CARD_BYTES;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? CARD_FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${options.timeoutMs ?? CARD_FETCH_TIMEOUT_MS} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw unavailable(where, url, reason);
  }
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw unavailable(where, url, `HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw unavailable(where, url, `${declared} bytes, over the limit of ${maxBytes}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  try {
    for (;;) {
      const next = await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      if (next.done) break;
      size += next.value.byteLength;
      if (size > maxBytes) {
        await reader?.cancel();
        throw unavailable(where, url, `over the limit of ${maxBytes} bytes`);
      }
      chunks.push(next.value);
    }
  } catch (error) {
    if (error instanceof RouterError) throw error;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? 'the answer did not finish in time'
        : (error as Error).message;
    throw unavailable(where, url, reason);
  }
  return Buffer.concat(chunks).toString('utf8');
}
