import { RouterError } from '../kernel/errors.js';
import type { AgentManifest } from './manifest.js';
import { PERSONAS, type Persona } from './personas.js';

/**
 * The registered agents, in registration order. Order is part of the contract: the seed scores agents
 * in its dict's insertion order and reports `capability_scores` in that order, and a JavaScript Map
 * keeps insertion order for every key (a plain object would move integer-like ids such as "7" first).
 * Re-registering an id replaces the manifest but keeps its place, as a Python dict assignment does.
 */
/**
 * One change of a registry, as its listeners are told: an agent registered (`added`, at the end of
 * the order), registered again (`replaced`, in its place) or removed.
 */
export type RegistryChange =
  | { readonly kind: 'added'; readonly manifest: AgentManifest }
  | { readonly kind: 'replaced'; readonly manifest: AgentManifest }
  | { readonly kind: 'removed'; readonly agentId: string };

export class AgentRegistry {
  readonly #agents = new Map<string, AgentManifest>();
  readonly #listeners = new Set<(change: RegistryChange) => void>();
  #version = 0;

  /** Bumped on every change, so compiled scorer indexes know when to rebuild. */
  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#agents.size;
  }

  /**
   * Calls `listener` after every change, synchronously (a router compiling in the background starts
   * at once rather than at its next decision). Returns the function that stops it.
   */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  register(manifest: AgentManifest): AgentManifest {
    const frozen = freezeManifest(manifest);
    const replaced = this.#agents.has(frozen.agentId);
    this.#agents.set(frozen.agentId, frozen);
    this.#changed(replaced ? { kind: 'replaced', manifest: frozen } : { kind: 'added', manifest: frozen });
    return frozen;
  }

  /** The seed's `register_persona`: a persona's manifest under the given agent id. */
  registerPersona(personaId: string, agentId: string = personaId): AgentManifest {
    return this.register(manifestFromPersona(findPersona(personaId), agentId));
  }

  unregister(agentId: string): boolean {
    const removed = this.#agents.delete(agentId);
    if (removed) this.#changed({ kind: 'removed', agentId });
    return removed;
  }

  #changed(change: RegistryChange): void {
    this.#version++;
    for (const listener of this.#listeners) listener(change);
  }

  get(agentId: string): AgentManifest | undefined {
    return this.#agents.get(agentId);
  }

  has(agentId: string): boolean {
    return this.#agents.has(agentId);
  }

  /** Every manifest in registration order, without a copy: do not change the registry meanwhile. */
  values(): IterableIterator<AgentManifest> {
    return this.#agents.values();
  }

  /** Every manifest in registration order. */
  list(): readonly AgentManifest[] {
    return [...this.#agents.values()];
  }
}

export function findPersona(personaId: string): Persona {
  const persona = PERSONAS.find((p) => p.personaId === personaId);
  if (persona === undefined) {
    const known = PERSONAS.map((p) => p.personaId).join(', ');
    throw new RouterError('unknown_persona', `unknown persona '${personaId}' (known personas: ${known})`, {
      details: { persona: personaId, known: PERSONAS.map((p) => p.personaId) },
    });
  }
  return persona;
}

export function manifestFromPersona(persona: Persona, agentId: string): AgentManifest {
  return {
    agentId,
    agentName: persona.name,
    capabilities: persona.capabilities,
    keywords: persona.keywords,
    rateSats: persona.rateSats,
    description: persona.description,
  };
}

function freezeManifest(manifest: AgentManifest): AgentManifest {
  return Object.freeze({
    ...manifest,
    capabilities: Object.freeze([...manifest.capabilities]),
    keywords: Object.freeze([...manifest.keywords]),
    ...(manifest.examples === undefined ? {} : { examples: Object.freeze([...manifest.examples]) }),
  });
}
