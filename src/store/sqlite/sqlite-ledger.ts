import type Database from 'better-sqlite3';
import { type Adopted, type NewLedgerEntry, originEntry, sealEntry } from '../../chain/ledger-entry.js';
import { GENESIS_HASH } from '../../policy/decision.js';
import { AUDIT_PAGE_SIZE, LEDGER_COLUMNS, type LedgerRow } from '../ledger-rows.js';

const SELECT_LEDGER_HEAD = 'SELECT entry_seq, hash FROM ledger ORDER BY entry_seq DESC LIMIT 1';
const SELECT_CHAIN_HEAD = 'SELECT seq, hash FROM decisions ORDER BY seq DESC LIMIT 1';
const INSERT_ENTRY = `INSERT INTO ledger (${LEDGER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`;
/** (after entry_seq, limit) */
export const SELECT_LEDGER_PAGE = `SELECT ${LEDGER_COLUMNS} FROM ledger WHERE entry_seq > ? ORDER BY entry_seq LIMIT ?`;

/** The rows an older version wrote, read when sealing begins (SqliteLedger.begin). */
export interface AdoptionSource {
  counts(): Adopted;
  /** Every row, as ledger entries, in any number of chunks. */
  entries(): Iterable<readonly NewLedgerEntry[]>;
}

/**
 * The SQLite store's ledger (chain/ledger-entry.ts). Every change is sealed in the transaction that
 * writes it: SQLite has one writer at a time, so the ledger's head, read inside the write
 * transaction, is the true predecessor, and sealing costs a hash and an insert per row, no lock of
 * its own.
 */
export class SqliteLedger {
  readonly #statement: (sql: string) => Database.Statement;

  constructor(statement: (sql: string) => Database.Statement) {
    this.#statement = statement;
  }

  /** Seals and appends entries, in order, anchored to the decision chain's head; call inside the write transaction. */
  append(entries: readonly NewLedgerEntry[]): void {
    if (entries.length === 0) return;
    const head = this.#statement(SELECT_LEDGER_HEAD).get() as { entry_seq: number; hash: Buffer } | undefined;
    const chain = this.#statement(SELECT_CHAIN_HEAD).get() as { seq: number; hash: Buffer } | undefined;
    const anchor = {
      seq: chain?.seq ?? 0,
      hash: chain === undefined ? GENESIS_HASH : chain.hash.toString('hex'),
    };
    const anchorHash = Buffer.from(anchor.hash, 'hex');
    let seq = head?.entry_seq ?? 0;
    let prevHash = head === undefined ? GENESIS_HASH : head.hash.toString('hex');
    const insert = this.#statement(INSERT_ENTRY);
    for (const entry of entries) {
      seq++;
      const hash = sealEntry(prevHash, seq, anchor, entry);
      insert.run(
        seq,
        entry.kind,
        entry.subject,
        entry.body,
        anchor.seq,
        anchorHash,
        Buffer.from(hash, 'hex'),
      );
      prevHash = hash;
    }
  }

  /**
   * Sealing begins: the origin entry, then every row an older version wrote, as found. Called once,
   * inside the transaction of the migration that adds the ledger (0008), so no row is written between
   * the two and a ledger emptied later is never begun again.
   */
  begin(source: AdoptionSource): void {
    this.append([originEntry(source.counts())]);
    for (const chunk of source.entries()) this.append(chunk);
  }

  /** One page of entries after `afterEntrySeq`. */
  page(afterEntrySeq: number): LedgerRow[] {
    return this.#statement(SELECT_LEDGER_PAGE).all(afterEntrySeq, AUDIT_PAGE_SIZE) as LedgerRow[];
  }
}
