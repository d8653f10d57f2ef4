import { sealRecord } from '../chain/hash-chain.js';
import { GENESIS_HASH, type LoggedDecision } from '../policy/decision.js';

/** The first record that does not verify: the walk stops there. */
export interface ChainBreak {
  readonly seq: number;
  readonly decisionId: string;
  readonly problem: string;
}

/** Where a walk of the decision chain ended. */
export interface ChainEnd {
  /** Records that verified. */
  readonly records: number;
  /** The last verified record's hash (GENESIS_HASH when none). */
  readonly headHash: string;
  readonly firstBad: ChainBreak | null;
}

/**
 * A walk of the decision chain from its first record, recomputing every hash from the record's
 * stored content and its predecessor's stored hash, that stops at the first record that does not
 * match. It moves on only when asked (hashAt, finish), so that the ledger's walk can check its
 * anchors against it in the same pass (ledger entries are anchored in chain order): one read of each
 * chain, in constant memory.
 */
export class ChainWalk {
  readonly #records: AsyncIterator<LoggedDecision>;
  readonly #onProgress: ((checked: number) => void) | undefined;
  readonly #visit: ((record: LoggedDecision) => void) | undefined;
  #verified = 0;
  #headHash = GENESIS_HASH;
  #firstBad: ChainBreak | null = null;
  #done = false;

  constructor(
    records: AsyncIterable<LoggedDecision>,
    onProgress?: (checked: number) => void,
    visit?: (record: LoggedDecision) => void,
  ) {
    this.#records = records[Symbol.asyncIterator]();
    this.#onProgress = onProgress;
    this.#visit = visit;
  }

  /** Records verified so far. */
  get verified(): number {
    return this.#verified;
  }

  /** Whether the walk met a record that does not verify. */
  get broken(): boolean {
    return this.#firstBad !== null;
  }

  /**
   * The verified hash of record `seq` (GENESIS_HASH for 0), walking on to it; undefined when the walk
   * cannot get there: the chain breaks before it, or ends before it. Call with non-decreasing seqs.
   */
  async hashAt(seq: number): Promise<string | undefined> {
    if (seq === 0) return GENESIS_HASH;
    while (this.#verified < seq && !this.#done) await this.#step();
    return this.#verified === seq ? this.#headHash : undefined;
  }

  /** Walks to the end (or the first record that does not verify). */
  async finish(): Promise<ChainEnd> {
    while (!this.#done) await this.#step();
    return { records: this.#verified, headHash: this.#headHash, firstBad: this.#firstBad };
  }

  async #step(): Promise<void> {
    const next = await this.#records.next();
    if (next.done === true) {
      this.#done = true;
      return;
    }
    const record = next.value;
    const expectedSeq = this.#verified + 1;
    const bad = (problem: string): void => {
      this.#firstBad = { seq: record.seq, decisionId: record.decisionId, problem };
      this.#done = true;
      void this.#records.return?.();
    };
    if (record.seq !== expectedSeq) {
      bad(
        record.seq > expectedSeq
          ? `records ${expectedSeq}..${record.seq - 1} are missing before it`
          : `sequence number ${record.seq} is out of order (expected ${expectedSeq})`,
      );
      return;
    }
    const computed = sealRecord(this.#headHash, record.seq, record);
    if (computed !== record.hash) {
      bad(
        `its content does not match its hash (stored ${record.hash.slice(0, 16)}…, computed ${computed.slice(0, 16)}…)`,
      );
      return;
    }
    this.#visit?.(record);
    this.#headHash = record.hash;
    this.#verified++;
    if (this.#onProgress !== undefined && this.#verified % 1000 === 0) this.#onProgress(this.#verified);
  }
}
