import { describe, expect, it } from 'vitest';
import { outcomeEntry } from '../chain/ledger-entry.js';
import { MAX_RESULT_DEPTH } from '../wire/outcome-result.js';
import { resultOfMessage } from './a2a-results.js';

/** A reply whose one data part nests `depth` arrays. */
function replyNesting(depth: number) {
  let data: unknown = 'deep';
  for (let i = 0; i < depth; i++) data = [data];
  return {
    messageId: 'm1',
    parts: [
      { content: { $case: 'text', value: 'done' }, mediaType: '', filename: '' },
      { content: { $case: 'data', value: { v: data } }, mediaType: '', filename: '' },
    ],
  } as never;
}

const seals = (result: unknown) =>
  outcomeEntry({
    outcomeSeq: 1,
    seq: 1,
    agentId: 'a:b',
    status: 'completed',
    recordedAtMs: 0,
    result,
  } as never);

describe('an A2A agent hands back deeply nested data', () => {
  it('keeps an artifact within the depth a result may have', () => {
    const result = resultOfMessage(replyNesting(10));
    expect(result.artifacts).toHaveLength(1);
    expect(result.omitted_artifacts).toBeUndefined();
    expect(() => seals(result)).not.toThrow();
  });

  it('leaves out one nested deeper, as one over the size limit, so the outcome can still be sealed', () => {
    for (const depth of [MAX_RESULT_DEPTH, 3_000, 100_000]) {
      const result = resultOfMessage(replyNesting(depth));
      expect(result).toMatchObject({ state: 'completed', artifacts: [], omitted_artifacts: 1 });
      expect(() => seals(result)).not.toThrow();
    }
  });
});
