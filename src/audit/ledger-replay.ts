import type { LedgerEntry } from '../store/ledger-port.js';

/** A task's bid entry's body (ledger-entry.ts bidEntry). */
export interface BidBody {
  readonly index: number;
  readonly agent_id: string;
  readonly bid_sats: number;
  readonly at_ms: number;
}

/** What the ledger says a task holds: its last sealed state and the bids sealed after it. */
interface TaskState {
  /** The last `task` entry's body, parsed; undefined while only bids are sealed. */
  snapshot: Record<string, unknown> | undefined;
  /** Bid entries beyond the snapshot's bids, by index. */
  readonly laterBids: Map<number, BidBody>;
}

/**
 * The ledger replayed: what each sealed table must hold, by the row's key. Agents and tasks keep
 * their last sealed state; events and outcomes, which never change, their one body. Memory grows
 * with the rows sealed (their bodies), not with the ledger's length.
 */
export class LedgerReplay {
  /** Agent id → its last sealed body, or null when its last entry removed it. */
  readonly agents = new Map<string, string | null>();
  readonly #tasks = new Map<string, TaskState>();
  /** Event id (as text) → body. */
  readonly events = new Map<string, string>();
  /** Outcome seq (as text) → body. */
  readonly outcomes = new Map<string, string>();
  /** Inconsistencies between entries (only a forged ledger has them), one sentence each. */
  readonly problems: string[] = [];

  apply(entry: LedgerEntry): void {
    switch (entry.kind) {
      case 'origin':
        return; // the walk reads what it counts
      case 'agent':
        this.agents.set(entry.subject, entry.body);
        return;
      case 'agent_removed':
        this.agents.set(entry.subject, null);
        return;
      case 'task':
        this.#applyTask(entry);
        return;
      case 'bid':
        this.#applyBid(entry);
        return;
      case 'event':
        this.#sealOnce(this.events, entry, 'event');
        return;
      case 'outcome':
        this.#sealOnce(this.outcomes, entry, 'outcome');
        return;
      default:
        this.problems.push(`ledger entry ${entry.entrySeq} is of an unknown kind '${entry.kind}'`);
    }
  }

  /** Task ids the ledger knows. */
  taskIds(): IterableIterator<string> {
    return this.#tasks.keys();
  }

  /**
   * The task as the ledger says it must be stored, as the fields of its `task` body: the last
   * snapshot, with the bids sealed after it appended (each bumps the version and sets updated_ms).
   * Undefined when no state of it is sealed (bids alone).
   */
  expectedTask(taskId: string): Record<string, unknown> | undefined {
    const state = this.#tasks.get(taskId);
    if (state?.snapshot === undefined) return undefined;
    const bids = [...(state.snapshot.bids as unknown[][])];
    let version = state.snapshot.version as number;
    let updated = state.snapshot.updated_ms as number;
    for (let index = bids.length; state.laterBids.has(index); index++) {
      const bid = state.laterBids.get(index) as BidBody;
      bids.push([bid.agent_id, bid.bid_sats]);
      version++;
      updated = bid.at_ms;
    }
    return { ...state.snapshot, bids, version, updated_ms: updated };
  }

  /** Bids sealed beyond a task's last snapshot that do not follow on from it (a gap in the indexes). */
  strayBids(taskId: string): number {
    const state = this.#tasks.get(taskId);
    if (state === undefined) return 0;
    const start = state.snapshot === undefined ? 0 : (state.snapshot.bids as unknown[]).length;
    let contiguous = 0;
    while (state.laterBids.has(start + contiguous)) contiguous++;
    return state.laterBids.size - contiguous;
  }

  #state(taskId: string): TaskState {
    let state = this.#tasks.get(taskId);
    if (state === undefined) {
      state = { snapshot: undefined, laterBids: new Map() };
      this.#tasks.set(taskId, state);
    }
    return state;
  }

  #applyTask(entry: LedgerEntry): void {
    const state = this.#state(entry.subject);
    const snapshot = JSON.parse(entry.body) as Record<string, unknown>;
    const bids = snapshot.bids as [string, number][];
    // Bids sealed before and now held by the snapshot must be the snapshot's.
    for (const [index, bid] of state.laterBids) {
      if (index >= bids.length) continue;
      const held = bids[index] as [string, number];
      if (held[0] !== bid.agent_id || held[1] !== bid.bid_sats) {
        this.problems.push(
          `ledger entry ${entry.entrySeq} (task ${entry.subject}) holds bid ${index} as ${held[0]} ${held[1]} sats, sealed before as ${bid.agent_id} ${bid.bid_sats} sats`,
        );
      }
      state.laterBids.delete(index);
    }
    state.snapshot = snapshot;
  }

  #applyBid(entry: LedgerEntry): void {
    const state = this.#state(entry.subject);
    const bid = JSON.parse(entry.body) as BidBody;
    const held = (state.snapshot?.bids as [string, number][] | undefined)?.[bid.index];
    if (held !== undefined) {
      // Sealed after a snapshot that holds it already (a store that seals after commit).
      if (held[0] !== bid.agent_id || held[1] !== bid.bid_sats) {
        this.problems.push(
          `ledger entry ${entry.entrySeq} (task ${entry.subject}) seals bid ${bid.index} as ${bid.agent_id} ${bid.bid_sats} sats, which the task's sealed state holds as ${held[0]} ${held[1]} sats`,
        );
      }
      return;
    }
    state.laterBids.set(bid.index, bid);
  }

  /** Events and outcomes are written once: sealed again (after commit, say), the body must not change. */
  #sealOnce(map: Map<string, string>, entry: LedgerEntry, what: string): void {
    const before = map.get(entry.subject);
    if (before !== undefined && before !== entry.body) {
      this.problems.push(
        `ledger entry ${entry.entrySeq} seals ${what} ${entry.subject} again, differently from before`,
      );
    }
    map.set(entry.subject, entry.body);
  }
}
