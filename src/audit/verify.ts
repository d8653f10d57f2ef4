import { GENESIS_HASH, type LoggedDecision } from '../policy/decision.js';
import { sealRecord } from './hash-chain.js';

export type VerifyResult =
  | { readonly ok: true; readonly records: number; readonly headHash: string }
  | {
      readonly ok: false;
      /** Records that verified before the first bad one. */
      readonly records: number;
      readonly firstBad: { readonly seq: number; readonly decisionId: string; readonly problem: string };
    };

/**
 * Walks the log from the first record, recomputing every hash from the record's stored content and
 * its predecessor's stored hash, and stops at the first record that does not match. Streaming, so it
 * runs in constant memory; `onProgress` is called with the number of records checked.
 */
export async function verifyChain(
  records: AsyncIterable<LoggedDecision>,
  onProgress?: (checked: number) => void,
): Promise<VerifyResult> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  for await (const record of records) {
    const bad = (problem: string): VerifyResult => ({
      ok: false,
      records: expectedSeq - 1,
      firstBad: { seq: record.seq, decisionId: record.decisionId, problem },
    });
    if (record.seq !== expectedSeq) {
      return bad(
        record.seq > expectedSeq
          ? `records ${expectedSeq}..${record.seq - 1} are missing before it`
          : `sequence number ${record.seq} is out of order (expected ${expectedSeq})`,
      );
    }
    const computed = sealRecord(prevHash, record.seq, record);
    if (computed !== record.hash) {
      return bad(
        `its content does not match its hash (stored ${record.hash.slice(0, 16)}…, computed ${computed.slice(0, 16)}…)`,
      );
    }
    prevHash = record.hash;
    expectedSeq++;
    if (onProgress !== undefined && expectedSeq % 1000 === 0) onProgress(expectedSeq - 1);
  }
  return { ok: true, records: expectedSeq - 1, headHash: prevHash };
}
