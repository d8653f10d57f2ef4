import { describe, expect, it } from 'vitest';
import type { Decision, LoggedDecision } from '../policy/decision.js';
import { createRouter } from '../router/create-router.js';
import { createStore } from '../store/create-store.js';
import { decisionBatchLine } from './decision-dto.js';
import { jsonMap, jsonObject } from './ordered-json.js';

/** The batch line as the generic writers make it: the text decisionBatchLine must match byte for byte. */
function referenceLine(decision: Decision | LoggedDecision): string {
  const seq = (decision as LoggedDecision).seq;
  return jsonObject([
    ['task_id', JSON.stringify(decision.taskId)],
    ['selected_agent', JSON.stringify(decision.selectedAgent)],
    [
      'capability_scores',
      jsonMap(decision.agentIds.map((id, i) => [id, decision.capability[i] as number] as const)),
    ],
    ['combined_scores', jsonMap(decision.bidders.map((b) => [b.agentId, b.combined] as const))],
    ['selection_reason', JSON.stringify(decision.selectionReason)],
    ...(decision.confidence == null ? [] : [['confidence', JSON.stringify(decision.confidence)] as const]),
    ['decision_id', JSON.stringify(decision.decisionId)],
    ...(typeof seq === 'number' ? [['seq', String(seq)] as const] : []),
    ['timestamp', JSON.stringify(new Date(decision.timestampMs).toISOString())],
  ]);
}

const agent = (agentId: string, keywords: string[]) => ({
  agentId,
  agentName: agentId,
  capabilities: ['audit'],
  keywords,
  rateSats: 10,
});

describe('decisionBatchLine', () => {
  it('writes exactly what the generic JSON writers write, for odd ids and every kind of decision', async () => {
    const router = createRouter({
      scorer: 'classic',
      allowUnregisteredBidders: true,
      store: createStore({ location: ':memory:' }),
    });
    // Numeric-looking ids (which JSON.stringify of an object would move first), quotes, non-ASCII.
    for (const a of [
      agent('42', ['firewall']),
      agent('7', ['report']),
      agent('say "hi"\\', ['audit']),
      agent('café', ['data']),
    ])
      router.registerAgent(a);
    const requests = [
      { taskId: 't-1', description: 'firewall report', bids: [{ agentId: '42', bidSats: 5 }] },
      {
        taskId: 'line\nbreak "quoted"',
        description: 'data audit',
        bids: [
          { agentId: 'café', bidSats: 0 },
          { agentId: '7', bidSats: 30 },
          { agentId: 'outsider', bidSats: 1 },
        ],
      },
      { description: 'nobody bids', bids: [] },
      { taskId: 't-3', description: 'audit', bids: [{ agentId: 'say "hi"\\', bidSats: 12 }] },
    ];
    const unlogged = requests.map((r) => router.decide(r));
    const logged: LoggedDecision[] = [];
    for await (const chunk of router.routeBatch(requests, { chunkSize: 2 }))
      logged.push(...(chunk as LoggedDecision[]));
    for (const decision of [...unlogged, ...logged]) {
      expect(decisionBatchLine(decision)).toBe(referenceLine(decision));
    }
    expect(JSON.parse(decisionBatchLine(logged[2] as LoggedDecision))).toMatchObject({
      selected_agent: null,
      combined_scores: {},
      seq: 3,
    });
    // Timestamps a millisecond apart, and back again, each written from its own value.
    const first = unlogged[0] as Decision;
    for (const timestampMs of [first.timestampMs + 1, first.timestampMs, Date.UTC(2001, 0, 2, 3, 4, 5, 6)]) {
      const decision = { ...first, timestampMs };
      expect(decisionBatchLine(decision)).toBe(referenceLine(decision));
    }
    // A confidence is written where the decision has one, and only there.
    const sure = { ...first, confidence: 0.834 };
    expect(decisionBatchLine(sure)).toBe(referenceLine(sure));
    expect(JSON.parse(decisionBatchLine(sure)).confidence).toBe(0.834);
    expect(decisionBatchLine(first)).not.toContain('"confidence"');
    // Scores that are not finite are written as JSON writes them: null.
    const odd = { ...first, capability: [Number.NaN, Number.POSITIVE_INFINITY, -0, 1e-7] };
    expect(decisionBatchLine(odd)).toBe(referenceLine(odd));
    await router.close();
  });
});
