import type { LedgerEntry } from './ledger-port.js';

/** A row of the ledger table, the same in both adapters' schemas. */
export interface LedgerRow {
  entry_seq: number;
  kind: string;
  subject: string;
  body: string;
  anchor_seq: number;
  anchor_hash: Buffer;
  hash: Buffer;
}

/** The ledger table's columns, in LedgerRow's order. */
export const LEDGER_COLUMNS = 'entry_seq, kind, subject, body, anchor_seq, anchor_hash, hash';

export function entryFromRow(row: LedgerRow): LedgerEntry {
  return {
    entrySeq: row.entry_seq,
    kind: row.kind,
    subject: row.subject,
    body: row.body,
    anchorSeq: row.anchor_seq,
    anchorHash: row.anchor_hash.toString('hex'),
    hash: row.hash.toString('hex'),
  };
}

/** Ledger entries per page of an audit read. */
export const AUDIT_PAGE_SIZE = 500;
