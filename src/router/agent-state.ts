import type { AgentManifest } from '../manifest/manifest.js';
import { AgentHistory, type AgentHistoryConfig, type AgentRecord } from '../policy/agent-history.js';
import type { OutcomeStatus } from '../policy/outcome.js';
import type { RosterFacts } from '../policy/policy.js';
import { LoadGroups } from './load-groups.js';

/**
 * What the router knows about agents beyond their manifests: live state the service reports (tasks
 * in flight, offline agents) and track records from outcomes, all kept by agent id so they survive
 * roster changes, and mirrored into the roster-ordered arrays the policy reads on every decision
 * (RosterFacts), so deciding costs array reads, not map lookups.
 */
/** RosterFacts as AgentState keeps them: arrays that may be longer than the roster (capacity). */
interface MutableFacts {
  capabilityTags: ReadonlySet<string>[];
  rateSats: Float64Array;
  maxConcurrency: Float64Array;
  inFlight: Int32Array;
  offline: Uint8Array;
  successRate: Float64Array;
  averageDurationMs: Float64Array;
  hasLimits: boolean;
  mayRefuse: boolean;
}

export class AgentState {
  readonly #history: AgentHistory;
  /** Tasks each entry holds, as the service reports them; the facts show its load group's sum. */
  readonly #inFlight = new Map<string, number>();
  readonly #loadGroups = new LoadGroups();
  readonly #offline = new Set<string>();
  /**
   * Each manifest's capability tags as the policy's filters compare them (lower case), by manifest
   * object: a roster change rebuilds the facts of every agent, and making these sets anew each time
   * was most of that rebuild's cost at tens of thousands of agents (bench:roster).
   */
  readonly #tagsOf = new WeakMap<AgentManifest, ReadonlySet<string>>();
  #positionOf: ReadonlyMap<string, number> = new Map();
  #facts: MutableFacts;
  /** Agents of the roster, and how many of them declare max_concurrency (hasLimits). */
  #size = 0;
  #withLimits = 0;

  constructor(historyConfig?: AgentHistoryConfig) {
    this.#history = new AgentHistory(historyConfig);
    this.#facts = this.#factsFor([], new Map());
  }

  /** The facts for the current roster, by position (arrays may run past the roster's end). */
  get facts(): RosterFacts {
    return this.#facts;
  }

  /** Rebuilds the facts for a new roster (registration order = positions). */
  useRoster(agents: readonly AgentManifest[], positionOf: ReadonlyMap<string, number>): void {
    this.#positionOf = positionOf;
    this.#facts = this.#factsFor(agents, positionOf);
    this.#size = agents.length;
  }

  /**
   * The roster changed by one agent (roster-view.ts): added at the end, replaced in its place, or
   * removed from its place (those after it move up one). `positionOf` already says where each agent
   * is. Each costs what the change touches, not the roster (a removal moves the arrays' tails): at
   * 10,000 agents rebuilding the facts took 5–30 ms.
   */
  agentAdded(manifest: AgentManifest): void {
    const at = this.#size;
    this.#ensureCapacity(at + 1);
    this.#size++;
    this.#write(this.#facts, at, manifest);
    const f = this.#facts;
    this.#loadGroups.join(manifest);
    this.#refreshLoad(manifest.agentId);
    f.offline[at] = this.#offline.has(manifest.agentId) ? 1 : 0;
    const record = this.#history.of(manifest.agentId);
    f.successRate[at] = record.successRate;
    f.averageDurationMs[at] = record.averageDurationMs ?? Number.NaN;
    this.#limitsChanged(undefined, manifest);
  }

  agentReplaced(previous: AgentManifest, manifest: AgentManifest, at: number): void {
    this.#write(this.#facts, at, manifest);
    this.#limitsChanged(previous, manifest);
    if (previous.a2a?.agent !== manifest.a2a?.agent) {
      const before = [...this.#loadGroups.sharing(previous.agentId)];
      this.#loadGroups.join(manifest);
      for (const agentId of before) this.#refreshLoad(agentId);
      this.#refreshLoad(manifest.agentId);
    }
  }

  agentRemoved(previous: AgentManifest, at: number): void {
    const f = this.#facts;
    const end = this.#size;
    f.capabilityTags.splice(at, 1);
    for (const array of [
      f.rateSats,
      f.maxConcurrency,
      f.successRate,
      f.averageDurationMs,
      f.inFlight,
      f.offline,
    ]) {
      array.copyWithin(at, at + 1, end);
    }
    this.#size--;
    this.#limitsChanged(previous, undefined);
    // An entry removed while it holds tasks (a card read again no longer lists the skill) keeps its
    // agent busy still: it stays in the group, without a position, until its tasks end (setLoad).
    if ((this.#inFlight.get(previous.agentId) ?? 0) > 0) return;
    const group = [...this.#loadGroups.sharing(previous.agentId)];
    this.#loadGroups.leave(previous.agentId);
    for (const agentId of group) if (agentId !== previous.agentId) this.#refreshLoad(agentId);
  }

  /** What the manifest says at its position: tags, rate, limit (the rest is live state). */
  #write(f: MutableFacts, at: number, manifest: AgentManifest): void {
    f.capabilityTags[at] = this.#capabilityTags(manifest);
    f.rateSats[at] = manifest.rateSats;
    f.maxConcurrency[at] = manifest.maxConcurrency ?? Number.POSITIVE_INFINITY;
  }

  #limitsChanged(before: AgentManifest | undefined, after: AgentManifest | undefined): void {
    if (before?.maxConcurrency !== undefined) this.#withLimits--;
    if (after?.maxConcurrency !== undefined) this.#withLimits++;
    this.#facts.hasLimits = this.#withLimits > 0;
    this.#facts.mayRefuse = this.#facts.hasLimits || this.#offline.size > 0;
  }

  /** Grows the arrays (doubling) so that `size` agents fit: positions past the roster are unused. */
  #ensureCapacity(size: number): void {
    const f = this.#facts;
    if (f.rateSats.length >= size) return;
    const capacity = Math.max(size, f.rateSats.length * 2, 16);
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(array: T, make: (n: number) => T): T => {
      const bigger = make(capacity);
      bigger.set(array);
      return bigger;
    };
    f.rateSats = grow(f.rateSats, (n) => new Float64Array(n));
    f.maxConcurrency = grow(f.maxConcurrency, (n) => new Float64Array(n));
    f.successRate = grow(f.successRate, (n) => new Float64Array(n));
    f.averageDurationMs = grow(f.averageDurationMs, (n) => new Float64Array(n));
    f.inFlight = grow(f.inFlight, (n) => new Int32Array(n));
    f.offline = grow(f.offline, (n) => new Uint8Array(n));
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
    if (inFlight > 0 && !this.#positionOf.has(agentId)) this.#loadGroups.holdingUnregistered(agentId);
    this.#refreshLoad(agentId);
    // A removed entry's last task has ended: it no longer counts in its agent's group.
    if (inFlight === 0 && !this.#positionOf.has(agentId)) this.#loadGroups.leave(agentId);
  }

  /** What the entry's group holds (the entry's own load when it is in none). */
  #loadOf(agentId: string): number {
    let sum = 0;
    for (const member of this.#loadGroups.sharing(agentId)) sum += this.#inFlight.get(member) ?? 0;
    return sum;
  }

  /** Writes the load of the entry's group at every member's position. */
  #refreshLoad(agentId: string): void {
    const load = this.#loadOf(agentId);
    for (const member of this.#loadGroups.sharing(agentId)) {
      const position = this.#positionOf.get(member);
      if (position !== undefined) this.#facts.inFlight[position] = load;
    }
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

  // One loop over the roster, and the live state and track records written only where they differ
  // from a new agent's: TypedArray.from with a mapping function per field, and a record object per
  // agent, took 20–35 ms at 10,000 agents, and this runs at every roster change.
  #factsFor(agents: readonly AgentManifest[], positionOf: ReadonlyMap<string, number>): MutableFacts {
    const n = agents.length;
    const inFlight = new Int32Array(n);
    for (const [agentId, count] of this.#inFlight) {
      const at = positionOf.get(agentId);
      if (at !== undefined) inFlight[at] = count;
    }
    this.#loadGroups.clear();
    for (const agent of agents) if (agent.a2a !== undefined) this.#loadGroups.join(agent);
    // Entries no longer registered that still hold tasks stay in their agent's group.
    for (const agentId of this.#inFlight.keys()) {
      if (!positionOf.has(agentId)) this.#loadGroups.holdingUnregistered(agentId);
    }
    for (const members of this.#loadGroups.groups()) {
      let sum = 0;
      for (const member of members) sum += this.#inFlight.get(member) ?? 0;
      for (const member of members) {
        const at = positionOf.get(member);
        if (at !== undefined) inFlight[at] = sum;
      }
    }
    const offline = new Uint8Array(n);
    for (const agentId of this.#offline) {
      const at = positionOf.get(agentId);
      if (at !== undefined) offline[at] = 1;
    }
    const successRate = new Float64Array(n).fill(this.#history.priorSuccessRate);
    const averageDurationMs = new Float64Array(n).fill(Number.NaN);
    for (const agentId of this.#history.agentsWithOutcomes()) {
      const at = positionOf.get(agentId);
      if (at === undefined) continue;
      const record = this.#history.of(agentId);
      successRate[at] = record.successRate;
      averageDurationMs[at] = record.averageDurationMs ?? Number.NaN;
    }
    const facts: MutableFacts = {
      capabilityTags: new Array<ReadonlySet<string>>(n),
      rateSats: new Float64Array(n),
      maxConcurrency: new Float64Array(n),
      inFlight,
      offline,
      successRate,
      averageDurationMs,
      hasLimits: false,
      mayRefuse: false,
    };
    this.#withLimits = 0;
    for (let i = 0; i < n; i++) {
      const agent = agents[i] as AgentManifest;
      this.#write(facts, i, agent);
      if (agent.maxConcurrency !== undefined) this.#withLimits++;
    }
    facts.hasLimits = this.#withLimits > 0;
    facts.mayRefuse = facts.hasLimits || this.#offline.size > 0;
    return facts;
  }
}
