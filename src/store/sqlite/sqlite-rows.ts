import { parse as parseUuid, stringify as stringifyUuid } from 'uuid';
import type { CandidateRecord } from '../../policy/decision.js';

/** Row shapes of the SQLite schema (migrations/0001_audit_log.sql) and their encodings. */
export interface DecisionRow {
  readonly seq: number;
  readonly decision_id: Buffer;
  readonly task_id: string;
  readonly description: string;
  readonly ts_ms: number;
  readonly policy_key: number;
  readonly selected_key: number | null;
  readonly reason: string;
  readonly hash: Buffer;
  readonly prev_hash: Buffer | null;
}

export interface CandidateRow {
  readonly seq: number;
  readonly pos: number;
  readonly agent_key: number;
  readonly capability: number | null;
  readonly bid_sats: number | null;
  readonly bid_order: number | null;
  readonly signals: Buffer | null;
  readonly combined: number | null;
}

export function encodeUuid(id: string): Buffer {
  return Buffer.from(parseUuid(id));
}

export function decodeUuid(bytes: Buffer): string {
  return stringifyUuid(bytes);
}

/** Signal values as little-endian float64s: exact, and 8 bytes each instead of ~20 as JSON text. */
export function encodeSignals(values: readonly number[] | null): Buffer | null {
  if (values === null) return null;
  const buffer = Buffer.allocUnsafe(values.length * 8);
  for (let i = 0; i < values.length; i++) buffer.writeDoubleLE(values[i] as number, i * 8);
  return buffer;
}

export function decodeSignals(buffer: Buffer | null): number[] | null {
  if (buffer === null) return null;
  const values = new Array<number>(buffer.length >>> 3);
  for (let i = 0; i < values.length; i++) values[i] = buffer.readDoubleLE(i * 8);
  return values;
}

export function candidateFromRow(row: CandidateRow, agentId: string): CandidateRecord {
  return {
    agentId,
    capability: row.capability,
    bidSats: row.bid_sats,
    bidOrder: row.bid_order,
    signals: decodeSignals(row.signals),
    combined: row.combined,
  };
}
