import { compareCodeUnits } from '../kernel/compare.js';
import { RouterError } from '../kernel/errors.js';
import type { AgentRegistry } from '../manifest/agent-registry.js';
import { type AgentManifest, MAX_AGENT_ID_LENGTH } from '../manifest/manifest.js';

/** The form ids are stored in (wire/unicode-text.ts), which searches compare in. */
const SEARCH_NORMAL_FORM = 'NFC';

/**
 * The registered agents a page at a time, by id, optionally only those a search matches. Pages follow
 * agent ids in code-unit order, and a cursor is the last id a page returned: it stays valid while
 * agents come and go (a removed agent's id still sorts), which a position in registration order would
 * not. The sorted ids are made once per roster version, when someone reads a page, not on every
 * registration.
 */
export interface AgentPageQuery {
  readonly limit: number;
  readonly cursor?: string;
  /** Case-insensitive text that the agent's id, name or a capability tag must contain. */
  readonly search?: string;
}

export interface AgentPage {
  readonly manifests: readonly AgentManifest[];
  /** For the page after this one; null on the last. */
  readonly nextCursor: string | null;
  /** How many agents match the search (all agents without one). */
  readonly total: number;
}

export class AgentPages {
  readonly #registry: AgentRegistry;
  #sortedVersion = -1;
  #sorted: readonly AgentManifest[] = [];
  /** What a search looks in, lower-cased, per manifest object (manifests are frozen, so this holds). */
  readonly #haystacks = new WeakMap<AgentManifest, string>();

  constructor(registry: AgentRegistry) {
    this.#registry = registry;
  }

  page(query: AgentPageQuery): AgentPage {
    const sorted = this.#sortedManifests();
    const after = query.cursor === undefined ? undefined : decodeAgentCursor(query.cursor);
    let start = 0;
    if (after !== undefined) {
      // The first id greater than the cursor's.
      let high = sorted.length;
      while (start < high) {
        const middle = (start + high) >>> 1;
        if ((sorted[middle] as AgentManifest).agentId <= after) start = middle + 1;
        else high = middle;
      }
    }
    // Ids are stored in normal form; names and tags may not be, and a client may send either form.
    const needle = query.search?.trim().normalize(SEARCH_NORMAL_FORM).toLowerCase() ?? '';
    const matches = needle === '' ? () => true : (m: AgentManifest) => this.#haystack(m).includes(needle);
    let total = 0;
    if (needle === '') total = sorted.length;
    else for (const manifest of sorted) if (matches(manifest)) total++;
    const manifests: AgentManifest[] = [];
    let more = false;
    for (let i = start; i < sorted.length; i++) {
      const manifest = sorted[i] as AgentManifest;
      if (!matches(manifest)) continue;
      if (manifests.length === query.limit) {
        more = true;
        break;
      }
      manifests.push(manifest);
    }
    const last = manifests.at(-1);
    return {
      manifests,
      nextCursor: more && last !== undefined ? encodeAgentCursor(last.agentId) : null,
      total,
    };
  }

  #sortedManifests(): readonly AgentManifest[] {
    if (this.#sortedVersion !== this.#registry.version) {
      this.#sorted = [...this.#registry.list()].sort((a, b) => compareCodeUnits(a.agentId, b.agentId));
      this.#sortedVersion = this.#registry.version;
    }
    return this.#sorted;
  }

  #haystack(manifest: AgentManifest): string {
    let text = this.#haystacks.get(manifest);
    if (text === undefined) {
      text = [manifest.agentId, manifest.agentName, ...manifest.capabilities]
        .join('\n')
        .normalize(SEARCH_NORMAL_FORM)
        .toLowerCase();
      this.#haystacks.set(manifest, text);
    }
    return text;
  }
}

/** The longest cursor this service issues: 'a' and an id of astral characters, 4 UTF-8 bytes each. */
export const MAX_AGENT_CURSOR_LENGTH = Math.ceil(((1 + 4 * MAX_AGENT_ID_LENGTH) * 4) / 3);

export function encodeAgentCursor(agentId: string): string {
  return Buffer.from(`a${agentId}`, 'utf8').toString('base64url');
}

function decodeAgentCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Round-tripping rejects what base64url decoding would silently skip or repair.
  if (!text.startsWith('a') || text.length < 2 || encodeAgentCursor(text.slice(1)) !== cursor) {
    throw new RouterError('invalid_cursor', `cursor '${cursor}' is not one this service issued`, {
      details: { cursor },
    });
  }
  return text.slice(1);
}
