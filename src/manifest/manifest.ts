/**
 * An agent's capability manifest, in the core's camelCase form. Manifests are validated once at the
 * edge (wire/manifest-dto.ts) and are readonly from then on.
 */
export interface AgentManifest {
  readonly agentId: string;
  readonly agentName: string;
  /** Capability tags, trimmed, in declared order (order matters to the classic scorer's sums). */
  readonly capabilities: readonly string[];
  /** Trigger words, trimmed, in declared order; duplicates are kept because the seed counts them. */
  readonly keywords: readonly string[];
  /** The agent's base rate in satoshis. */
  readonly rateSats: number;
  readonly description?: string;
  readonly examples?: readonly string[];
  /** How many tasks the agent takes at once; unset means no limit is declared. */
  readonly maxConcurrency?: number;
}

/** Longest agent id accepted anywhere (wire schemas, registry). */
export const MAX_AGENT_ID_LENGTH = 200;
