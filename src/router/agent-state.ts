import type { AgentManifest } from '../manifest/manifest.js';
import { AgentHistory, type AgentHistoryConfig, type AgentRecord } from '../policy/agent-history.js';
import type { OutcomeStatus } from '../policy/outcome.js';
import type { RosterFacts } from '../policy/policy.js';

/**
 * What the router knows about agents beyond their manifests: live state the service reports (tasks
 * in flight, offline agents) and track records from outcomes, all kept by agent id so they survive
 * roster changes, and mirrored into the roster-ordered arrays the policy reads on every decision
 * (RosterFacts), so deciding costs array reads, not map lookups.
 */
export class AgentState {
  readonly #history: AgentHistory;
  readonly #inFlight = new Map<string, number>();
  readonly #offline = new Set<string>();
  /**
   * Each manifest's capability tags as the policy's filters compare them (lower case), by manifest
   * object: a roster change rebuilds the facts of every agent, and making these sets anew each time
   * was most of that rebuild's cost at tens of thousands of agents (bench:roster).
   */
  readonly #tagsOf = new WeakMap<AgentManifest, ReadonlySet<string>>();
  #positionOf: ReadonlyMap<string, number> = new Map();
  #facts: RosterFacts & {
    inFlight: Int32Array;
    offline: Uint8Array;
    successRate: Float64Array;
    averageDurationMs: Float64Array;
    hasLimits: boolean;
    mayRefuse: boolean;
  };

  constructor(historyConfig?: AgentHistoryConfig) {
    this.#history = new AgentHistory(historyConfig);
    this.#facts = this.#factsFor([]);
  }

  /** The facts for the current roster; the same object until the roster changes. */
  get facts(): RosterFacts {
    return this.#facts;
  }

  /** Rebuilds the facts for a new roster (registration order = positions). */
  useRoster(agents: readonly AgentManifest[], positionOf: ReadonlyMap<string, number>): void {
    this.#positionOf = positionOf;
    this.#facts = this.#factsFor(agents);
  }

  record(agentId: string): AgentRecord {
    return this.#history.of(agentId);
  }

  recordOutcome(agentId: string, status: OutcomeStatus, durationMs: number | undefined): void {
    this.#history.record(agentId, status, durationMs);
    const position = this.#positionOf.get(agentId);
    if (position === undefined) return;
    const record = this.#history.of(agentId);
    this.#facts.successRate[position] = record.successRate;
    this.#facts.averageDurationMs[position] = record.averageDurationMs ?? Number.NaN;
  }

  setLoad(agentId: string, inFlight: number): void {
    if (!Number.isSafeInteger(inFlight) || inFlight < 0) {
      throw new TypeError(`expected inFlight to be an integer ≥ 0, got ${inFlight} (${typeof inFlight})`);
    }
    if (inFlight === 0) this.#inFlight.delete(agentId);
    else this.#inFlight.set(agentId, inFlight);
    const position = this.#positionOf.get(agentId);
    if (position !== undefined) this.#facts.inFlight[position] = inFlight;
  }

  setOnline(agentId: string, online: boolean): void {
    if (online) this.#offline.delete(agentId);
    else this.#offline.add(agentId);
    const position = this.#positionOf.get(agentId);
    if (position !== undefined) this.#facts.offline[position] = online ? 0 : 1;
    this.#facts.mayRefuse = this.#facts.hasLimits || this.#offline.size > 0;
  }

  #capabilityTags(manifest: AgentManifest): ReadonlySet<string> {
    let tags = this.#tagsOf.get(manifest);
    if (tags === undefined) {
      tags = new Set(manifest.capabilities.map((tag) => tag.toLowerCase()));
      this.#tagsOf.set(manifest, tags);
    }
    return tags;
  }

  // One loop filling preallocated arrays: TypedArray.from with a mapping function, once per field,
  // took 20–35 ms at 10,000 agents, and this runs at every roster change.
  #factsFor(agents: readonly AgentManifest[]) {
    const n = agents.length;
    const capabilityTags = new Array<ReadonlySet<string>>(n);
    const rateSats = new Float64Array(n);
    const maxConcurrency = new Float64Array(n);
    const inFlight = new Int32Array(n);
    const offline = new Uint8Array(n);
    const successRate = new Float64Array(n);
    const averageDurationMs = new Float64Array(n);
    let hasLimits = false;
    for (let i = 0; i < n; i++) {
      const agent = agents[i] as AgentManifest;
      const id = agent.agentId;
      capabilityTags[i] = this.#capabilityTags(agent);
      rateSats[i] = agent.rateSats;
      if (agent.maxConcurrency !== undefined) hasLimits = true;
      maxConcurrency[i] = agent.maxConcurrency ?? Number.POSITIVE_INFINITY;
      if (this.#inFlight.size > 0) inFlight[i] = this.#inFlight.get(id) ?? 0;
      if (this.#offline.size > 0 && this.#offline.has(id)) offline[i] = 1;
      const record = this.#history.of(id);
      successRate[i] = record.successRate;
      averageDurationMs[i] = record.averageDurationMs ?? Number.NaN;
    }
    return {
      capabilityTags,
      rateSats,
      maxConcurrency,
      inFlight,
      offline,
      successRate,
      averageDurationMs,
      hasLimits,
      mayRefuse: hasLimits || this.#offline.size > 0,
    };
  }
}
