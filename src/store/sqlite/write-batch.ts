import type Database from 'better-sqlite3';
import { RouterError } from '../../kernel/errors.js';

interface Outcome {
  readonly ok: boolean;
  readonly value: unknown;
}

/** Inside the transaction: each item's work, a failed check kept as that item's outcome. */
function runGroup(group: Queued[], outcomes: Outcome[]): void {
  for (const item of group) {
    try {
      outcomes.push({ ok: true, value: item.work() });
    } catch (error) {
      if (!(error instanceof RouterError)) throw error;
      outcomes.push({ ok: false, value: error });
    }
  }
}

interface Queued {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Told when a batch's transaction begins and how it ends (the store's key caches follow it). */
export interface TransactionObserver {
  begin(): void;
  committed(): void;
  rolledBack(): void;
}

/**
 * Runs the small writes submitted in one turn of the event loop (the service's bids, new tasks and
 * lifecycle commits)
 * in one IMMEDIATE transaction. Each caller's promise settles only after the commit. A transaction
 * per bid was the largest cost of the auction path (bench:http auction: BEGIN/COMMIT took ~18% of
 * the service's CPU; batching bids and new tasks took it from 538 to 793 tasks decided/s, dropping a
 * savepoint per write to 866, batching the auctions' closing commits too and the changes made with
 * it: 1,000–1,300, docs/BENCHMARKS.md).
 *
 * The contract that makes one transaction safe without a savepoint per write: a work item does all
 * its checks before its first write and reports a failed check by throwing a RouterError (a late bid,
 * a duplicate), which rejects that item alone. Any other error is taken as a failed write: the whole
 * transaction rolls back and every item of the group rejects with it.
 */

export class WriteBatch {
  readonly #connection: () => Database.Database;
  readonly #translate: (error: unknown) => unknown;
  readonly #observer: TransactionObserver;
  #queue: Queued[] = [];
  /** The batch's transaction function, made once per connection rather than per flush. */
  #run:
    | {
        db: Database.Database;
        transaction: Database.Transaction<(group: Queued[], outcomes: Outcome[]) => void>;
      }
    | undefined;

  constructor(
    connection: () => Database.Database,
    translate: (error: unknown) => unknown,
    observer: TransactionObserver,
  ) {
    this.#connection = connection;
    this.#translate = translate;
    this.#observer = observer;
  }

  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => this.#flush());
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  #flush(): void {
    const group = this.#queue;
    this.#queue = [];
    const outcomes: Outcome[] = [];
    try {
      const db = this.#connection();
      if (this.#run?.db !== db) this.#run = { db, transaction: db.transaction(runGroup) };
      this.#observer.begin();
      this.#run.transaction.immediate(group, outcomes);
      this.#observer.committed();
    } catch (error) {
      // The commit itself failed (or the store closed): nothing of the group is written.
      this.#observer.rolledBack();
      const translated = this.#translate(error);
      for (const item of group) item.reject(translated);
      return;
    }
    group.forEach((item, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(this.#translate(outcome.value));
    });
  }
}
