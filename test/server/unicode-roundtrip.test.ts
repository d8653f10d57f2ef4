import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLog } from '../../src/audit/verify.js';
import { call, type Json } from '../helpers/http-call.js';
import { type ListeningService, startListeningService } from '../helpers/listening-service.js';
import { tempDbPath, tempDir } from '../helpers/temp-dir.js';

const dir = tempDir();

/** Any UTF-16 code unit: lone surrogates, U+0000 and controls included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));
/** Text a hostile or unlucky client might send: any code points, any code units, and known troublemakers. */
const oddText = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: codeUnit, maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.constantFrom(
      'cafe\u0301', // decomposed: the same id as 'café'
      'caf\u00e9',
      '\u0958\u0958', // NFC writes it as two code points
      'a/b?c#d%20e',
      '\u202eevil\u202c', // right-to-left override
      'zero\u200bwidth',
      '👩‍👩‍👧‍👦',
      'evil\ud800',
      '\udfff',
      'nul\u0000',
      ' padded ',
      'x'.repeat(maxLength),
      '\ufeffbom',
      '\uffff\ufffe',
    ),
  );
const idText = fc.oneof(oddText(60), fc.string({ unit: 'binary', minLength: 190, maxLength: 210 }));

/** Whether any string in the value has a lone surrogate or U+0000: such input must be refused. */
const isBadText = (value: unknown): boolean =>
  JSON.stringify(value, (_key, v) => v).match(
    /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}|\\u0000/i,
  ) !== null;

describe('arbitrary Unicode through the HTTP API', () => {
  let svc: ListeningService;
  /** Every id the service acknowledged (201), as it acknowledged it. */
  const acknowledged = new Map<string, { name: string }>();
  beforeAll(async () => {
    svc = await startListeningService({
      db: tempDbPath(dir),
      limits: { rateLimit: null, failedTokenLimit: null },
    });
  });
  afterAll(() => svc.close());

  it('accepts only well-formed text, keeps every acknowledged id exactly, and the log verifies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          agent_id: idText,
          agent_name: oddText(40),
          capabilities: fc.array(oddText(20), { maxLength: 3 }),
          keywords: fc.array(oddText(20), { maxLength: 3 }),
          description: oddText(200),
          examples: fc.array(oddText(100), { maxLength: 3 }),
        }),
        oddText(300),
        fc.nat({ max: 1000 }),
        async (fields, taskText, sats) => {
          const manifest = { ...fields, rate_sats: sats };
          const reg = await call(svc.url, 'POST', '/v1/agents', manifest);
          expect([201, 400, 409], JSON.stringify(reg.json)).toContain(reg.status);
          if (reg.status !== 201) {
            expect(typeof reg.json?.error?.message).toBe('string');
            if (isBadText(manifest)) expect(reg.status).toBe(400);
            if (reg.status === 400) expect(reg.json.error.message).toMatch(/^body: /);
            return;
          }
          expect(isBadText(manifest)).toBe(false);
          const ackId: string = reg.json.agent.agent_id;
          expect(ackId).toBe(fields.agent_id.normalize('NFC'));
          acknowledged.set(ackId, { name: reg.json.agent.agent_name });

          const read = await call(svc.url, 'GET', `/v1/agents/${encodeURIComponent(ackId)}`);
          expect(read.status).toBe(200);
          expect(read.json.agent.agent_id).toBe(ackId);

          // Routed by its id as sent (any normal form), with arbitrary task text.
          const routed = await call(svc.url, 'POST', '/v1/route', {
            description: taskText,
            bids: [
              { agent_id: fields.agent_id, bid_sats: sats },
              { agent_id: 'echo', bid_sats: 20 },
            ],
          });
          expect([200, 400]).toContain(routed.status);
          if (isBadText(taskText)) expect(routed.status).toBe(400);
          if (routed.status === 200) {
            const decision: Json = routed.json;
            expect(Object.keys(decision.capability_scores)).toContain(ackId);
            const byAgent = await call(
              svc.url,
              'GET',
              `/v1/decisions?agent_id=${encodeURIComponent(fields.agent_id)}&limit=1`,
            );
            expect(byAgent.status).toBe(200);
            expect(byAgent.json.decisions[0].decision_id).toBe(decision.decision_id);
            expect(byAgent.json.decisions[0].task_description).toBe(taskText);
          }

          // A task of the lifecycle with an odd id, description and required capabilities, and a bid.
          const posted = await call(svc.url, 'POST', '/v1/tasks', {
            task_id: `${fields.agent_id}:${taskText.slice(0, 20)}`,
            description: taskText,
            required_capabilities: fields.capabilities,
            bidding_window_ms: 3_600_000,
          });
          expect([201, 400, 409], JSON.stringify(posted.json)).toContain(posted.status);
          if (posted.status !== 201) return;
          const taskId: string = posted.json.task.task_id;
          expect(taskId).toBe(`${fields.agent_id}:${taskText.slice(0, 20)}`.normalize('NFC'));
          const bid = await call(svc.url, 'POST', `/v1/tasks/${encodeURIComponent(taskId)}/bids`, {
            agent_id: fields.agent_id,
            bid_sats: sats,
          });
          expect([201, 422], JSON.stringify(bid.json)).toContain(bid.status);
          const task = await call(svc.url, 'GET', `/v1/tasks/${encodeURIComponent(taskId)}`);
          expect(task.status).toBe(200);
          expect(task.json.task.task_id).toBe(taskId);
          expect(task.json.task.description).toBe(taskText);
          if (bid.status === 201) expect(task.json.task.bids[0].agent_id).toBe(ackId);
        },
      ),
      {
        numRuns: 150,
        // Always among the runs: inputs that must be accepted, whatever the random ones turn out to be.
        examples: [
          [
            {
              agent_id: 'cafe\u0301 👩‍👩‍👧‍👦 a/b?c#d%',
              agent_name: '\u202eevil\u202c',
              capabilities: ['données'],
              keywords: ['\u0958\u0958'],
              description: 'zero\u200bwidth \uffff',
              examples: ['\ufeffbom'],
            },
            'routez ce café 👩‍👩‍👧‍👦',
            7,
          ],
          [
            {
              agent_id: '\u{1F600}'.repeat(200),
              agent_name: 'x',
              capabilities: [],
              keywords: [],
              description: '',
              examples: [],
            },
            '',
            0,
          ],
        ],
      },
    );

    expect(acknowledged.size).toBeGreaterThanOrEqual(2);
    const listed = await call(svc.url, 'GET', '/v1/agents');
    const listedIds = new Set((listed.json.agents as Json[]).map((a) => a.agent_id as string));
    for (const id of acknowledged.keys()) expect(listedIds.has(id), JSON.stringify(id)).toBe(true);

    const result = await verifyLog(svc.store);
    expect(result.firstBad).toBeNull();
    expect(result.problems).toEqual([]);
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
  });

  it('treats an id in any normal form as one agent', async () => {
    const first = await call(svc.url, 'POST', '/v1/agents', { persona: 'forge', agent_id: 'rene\u0301e' });
    expect(first.status).toBe(201);
    expect(first.json.agent.agent_id).toBe('ren\u00e9e');
    const again = await call(svc.url, 'POST', '/v1/agents', { persona: 'forge', agent_id: 'ren\u00e9e' });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('agent_exists');
    const beat = await call(svc.url, 'POST', `/v1/agents/${encodeURIComponent('rene\u0301e')}/heartbeat`);
    expect(beat.status).toBe(200);
    expect(beat.json.agent.agent_id).toBe('ren\u00e9e');
  });

  it('refuses a lone surrogate in an id, which a UTF-8 store would turn into U+FFFD', async () => {
    const evil = await call(svc.url, 'POST', '/v1/agents', { persona: 'forge', agent_id: 'evil\ud800' });
    expect(evil.status).toBe(400);
    expect(evil.json.error.message).toBe(
      'body: agent_id must be well-formed Unicode (a lone surrogate U+D800 at position 4)',
    );
    const result = await verifyLog(svc.store);
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
  });
});
