import { stringify as stringifyUuid } from 'uuid';
import type { BidderRecord, PolicyOutcome } from '../../policy/decision.js';

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

/** A UUID's 16 bytes (uuid's own parse validates too, which costs a third of an append here). */
export function encodeUuid(id: string): Buffer {
  return Buffer.from(id.replaceAll('-', ''), 'hex');
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

/** The candidate rows of one decision (in pos order) back in the decision's column-wise shape. */
export function scoredFromRows(
  rows: readonly CandidateRow[],
  agentIdOf: (key: number) => string,
): Pick<PolicyOutcome, 'agentIds' | 'capability' | 'bidders'> {
  const agentIds: string[] = [];
  const capability: number[] = [];
  const bidders: BidderRecord[] = [];
  for (const row of rows) {
    const agentId = agentIdOf(row.agent_key);
    if (row.capability !== null) {
      agentIds.push(agentId);
      capability.push(row.capability);
    }
    if (row.bid_order !== null) {
      bidders[row.bid_order] = {
        agentId,
        capability: row.capability,
        bidSats: row.bid_sats as number,
        signals: decodeSignals(row.signals) ?? [],
        combined: row.combined as number,
      };
    }
  }
  return { agentIds, capability, bidders };
}
