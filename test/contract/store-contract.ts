import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain, verifyLog } from '../../src/audit/verify.js';
import { sealRecord } from '../../src/chain/hash-chain.js';
import type { NewTaskEvent } from '../../src/events/task-event.js';
import { RouterError } from '../../src/kernel/errors.js';
import { type Decision, GENESIS_HASH, type LoggedDecision } from '../../src/policy/decision.js';
import { createRouter } from '../../src/router/create-router.js';
import type { Router } from '../../src/router/router.js';
import type { Store, StoredAgent } from '../../src/store/store.js';
import { newTask, type Task } from '../../src/tasks/task.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** A fresh, empty database; `open` may be called more than once for several handles on it. */
export interface ContractDatabase {
  open(): Store;
}

export interface StoreContractOptions {
  /** Test names to skip, each with the reason the adapter cannot meet it. */
  readonly skip?: Readonly<Record<string, string>>;
}

/**
 * The behaviour every Store adapter must show (store/store.ts documents it). Each adapter's test file
 * calls this with a factory; nothing here knows which engine is behind the port.
 */
export function runStoreContract(
  name: string,
  createDatabase: () => ContractDatabase,
  options: StoreContractOptions = {},
): void {
  const opened: Store[] = [];
  const open = (db: ContractDatabase): Store => {
    const store = db.open();
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  const test = (title: string, fn: () => Promise<void>) =>
    options.skip?.[title] === undefined
      ? it(title, fn)
      : it.skip(`${title} (skipped: ${options.skip[title]})`, fn);

  /** Decisions made by the real router (no store), under a fake clock that ticks 1 s per decision. */
  function decisionMaker(agentIds: readonly string[], candidatesKept?: number) {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    // Classic: its policy lets unregistered bidders take part, which these tests use.
    const router: Router = createRouter({
      clock,
      scorer: 'classic',
      allowUnregisteredBidders: true,
      ...(candidatesKept === undefined ? {} : { candidatesKept }),
    });
    for (const id of agentIds) {
      router.registerAgent({
        agentId: id,
        agentName: id,
        capabilities: ['security'],
        keywords: [id, 'fix', ...(id.startsWith('db') ? ['database'] : [])],
        rateSats: 10,
      });
    }
    return (taskId: string, text: string, bids: readonly (readonly [string, number])[]): Decision => {
      clock.advance(1000);
      return router.decide({
        taskId,
        description: text,
        bids: bids.map(([agentId, bidSats]) => ({ agentId, bidSats })),
      });
    };
  }

  describe(`Store contract: ${name}`, () => {
    test('an empty log has no records, no counts, and verifies', async () => {
      const store = open(createDatabase());
      expect(await store.countDecisions()).toBe(0);
      expect(await store.lastOutcomeSeq()).toBe(0);
      expect((await store.queryDecisions({ limit: 10 })).decisions).toEqual([]);
      expect(await store.agentCounts('nobody')).toEqual({
        agentId: 'nobody',
        considered: 0,
        bids: 0,
        won: 0,
        winningBidSatsSum: 0,
      });
      expect(await verifyLog(store)).toEqual({
        ok: true,
        records: 0,
        headHash: GENESIS_HASH,
        firstBad: null,
        problems: [],
        // The ledger's origin entry alone: sealing began with the database, nothing older to adopt.
        ledger: {
          ok: true,
          entries: 1,
          headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
          firstBad: null,
          adopted: { agents: 0, tasks: 0, events: 0, outcomes: 0 },
          pending: 0,
          problems: [],
        },
      });
      expect(await store.checkIntegrity()).toEqual([]);
    });

    test('appends get gap-free sequence numbers and a hash chain sealed by the given sealer', async () => {
      const store = open(createDatabase());
      const make = decisionMaker(['a', 'b']);
      const first = await store.appendDecisions([make('t1', 'fix a', [['a', 10]]), make('t2', 'b', [])]);
      const second = await store.appendDecisions([
        make('t3', 'fix b', [
          ['b', 20],
          ['a', 5],
        ]),
      ]);
      const all = [...first, ...second];
      expect(all.map((d) => d.seq)).toEqual([1, 2, 3]);
      expect(all[0]?.prevHash).toBe(GENESIS_HASH);
      for (let i = 0; i < all.length; i++) {
        const d = all[i] as LoggedDecision;
        if (i > 0) expect(d.prevHash).toBe(all[i - 1]?.hash);
        expect(d.hash).toBe(sealRecord(d.prevHash, d.seq, d));
      }
      expect(await store.countDecisions()).toBe(3);
    });

    test('reads back exactly what was appended: ids, text, floats, nulls, order', async () => {
      const store = open(createDatabase());
      // Integer-like ids registered out of numeric order, and an unregistered bidder.
      const make = decisionMaker(['10', '2', 'b']);
      const decision = make('t-ünïcode', 'fix 10 and 2 — "quoted" \n newline', [
        ['ghost', 3],
        ['2', 50],
        ['10', 50],
      ]);
      const [logged] = await store.appendDecisions([decision]);
      const back = await store.getDecision(1);
      expect(back).toEqual({ ...logged, capability: Array.from(logged?.capability ?? []) });
      expect(back?.agentIds).toEqual(['10', '2', 'b']);
      expect(back?.bidders.map((b) => [b.agentId, b.capability === null])).toEqual([
        ['ghost', true],
        ['2', false],
        ['10', false],
      ]);
      expect(await store.getDecision(2)).toBeUndefined();
    });

    test('a decision keeping some of the agents it scored reads back, verifies and counts those kept', async () => {
      const store = open(createDatabase());
      // Eight agents, three kept beside the bidder: the database agents match the task best (classic
      // matches keywords as substrings, so the others' ids are words the task does not contain).
      const make = decisionMaker(['pen', 'db1', 'ink', 'db2', 'cup', 'db3', 'mug', 'db4'], 3);
      const decision = make('t1', 'database fix', [
        ['pen', 10],
        ['ghost', 5],
      ]);
      expect(decision.rosterSize).toBe(8);
      expect(decision.agentIds).toEqual(['pen', 'db1', 'db2', 'db3']);
      const [logged] = await store.appendDecisions([decision, make('t2', 'fix', [])]);
      const back = await store.getDecision(1);
      expect(back).toEqual({ ...logged, capability: Array.from(logged?.capability ?? []) });
      expect(back?.rosterSize).toBe(8);
      expect((await store.getDecision(2))?.rosterSize).toBe(8);
      expect((await verifyLog(store)).ok).toBe(true);
      expect((await store.agentCounts('db1')).considered).toBe(2);
      expect((await store.agentCounts('db3')).considered).toBe(1); // kept in the first only
      expect((await store.agentCounts('db4')).considered).toBe(0); // scored, never kept
      expect((await store.agentCounts('ghost')).considered).toBe(1);
    });

    test('an append is all or nothing', async () => {
      const store = open(createDatabase());
      const make = decisionMaker(['a']);
      await store.appendDecisions([make('ok', 'fix', [['a', 10]])]);
      // The failing batch brings agents, a roster and bids the store has never seen.
      const other = decisionMaker(['new-1', 'a']);
      const batch = [
        other('x1', 'fix', [
          ['new-1', 1],
          ['ghost-1', 2],
        ]),
        make('x2', 'fix', [['a', 2]]),
        // A record the chain cannot encode (the router never makes one): sealing fails half-way.
        { ...make('x3', 'fix', [['a', 3]]), selectionReason: undefined as unknown as string },
      ];
      await expect(store.appendDecisions(batch)).rejects.toThrow();
      expect(await store.countDecisions()).toBe(1);
      expect(await store.agentCounts('a')).toMatchObject({
        considered: 1,
        bids: 1,
        won: 1,
        winningBidSatsSum: 10,
      });
      expect(await store.agentCounts('new-1')).toMatchObject({ considered: 0, bids: 0 });
      // Later appends with other new agents must not inherit what the failed one interned.
      const third = decisionMaker(['new-2', 'a']);
      const next = await store.appendDecisions([
        third('after', 'fix', [
          ['ghost-2', 4],
          ['new-2', 5],
        ]),
      ]);
      expect(next[0]?.seq).toBe(2);
      const back = await store.getDecision(2);
      expect(back?.agentIds).toEqual(['new-2', 'a']);
      expect(back?.bidders.map((b) => b.agentId)).toEqual(['ghost-2', 'new-2']);
      expect((await store.queryDecisions({ agentId: 'new-1', limit: 10 })).decisions).toEqual([]);
      expect(
        (await store.queryDecisions({ agentId: 'ghost-2', limit: 10 })).decisions.map((d) => d.seq),
      ).toEqual([2]);
      expect((await verifyChain(store.streamDecisions())).ok).toBe(true);
    });

    test('agent queries follow the roster as it changes, and unregistered bidders through their bids', async () => {
      const store = open(createDatabase());
      const early = decisionMaker(['a', 'b']);
      const late = decisionMaker(['b', 'c']);
      await store.appendDecisions([
        early('1', 'x', []),
        late('2', 'x', [['a', 5]]),
        early('3', 'x', []),
        late('4', 'x', []),
        late('5', 'x', [['z', 1]]),
      ]);
      const seqs = async (agentId: string, limit = 10) =>
        (await store.queryDecisions({ agentId, limit })).decisions.map((d) => d.seq);
      expect(await seqs('a')).toEqual([3, 2, 1]); // registered in 1 and 3, bid unregistered in 2
      expect(await seqs('b')).toEqual([5, 4, 3, 2, 1]);
      expect(await seqs('c')).toEqual([5, 4, 2]);
      expect(await seqs('z')).toEqual([5]);
      const first = await store.queryDecisions({ agentId: 'b', limit: 2 });
      const second = await store.queryDecisions({
        agentId: 'b',
        limit: 2,
        cursor: first.nextCursor as string,
      });
      const third = await store.queryDecisions({
        agentId: 'b',
        limit: 2,
        cursor: second.nextCursor as string,
      });
      expect([first, second, third].flatMap((p) => p.decisions.map((d) => d.seq))).toEqual([5, 4, 3, 2, 1]);
      expect(third.nextCursor).toBeNull();
      expect(await store.agentCounts('a')).toMatchObject({ considered: 3, bids: 1 });
      expect(await store.agentCounts('z')).toMatchObject({ considered: 1, bids: 1, won: 1 });
    });

    test('keeps per-agent counters: considered, bids, wins and the sum of winning bids', async () => {
      const store = open(createDatabase());
      const make = decisionMaker(['a', 'b']);
      await store.appendDecisions([
        make('1', 'fix a', [
          ['a', 10],
          ['b', 90],
        ]),
        make('2', 'fix a', [['a', 30]]),
        make('3', 'b', [['b', 5]]),
        make('4', 'x', []),
      ]);
      expect(await store.agentCounts('a')).toEqual({
        agentId: 'a',
        considered: 4,
        bids: 2,
        won: 2,
        winningBidSatsSum: 40,
      });
      expect(await store.agentCounts('b')).toEqual({
        agentId: 'b',
        considered: 4,
        bids: 2,
        won: 1,
        winningBidSatsSum: 5,
      });
      expect((await store.listAgentCounts()).map((c) => c.agentId)).toEqual(['a', 'b']);
    });

    test('queries by task, by agent and by time, newest first, combined with AND', async () => {
      const store = open(createDatabase());
      const make = decisionMaker(['a1', 'a10']);
      const logged = await store.appendDecisions([
        make('t', 'fix', [['a1', 1]]),
        make('u', 'fix', [['a10', 1]]),
        make('t', 'fix', [['a10', 2]]),
        make('t', 'x', []),
      ]);
      const seqs = async (q: Parameters<Store['queryDecisions']>[0]) =>
        (await store.queryDecisions(q)).decisions.map((d) => d.seq);
      expect(await seqs({ taskId: 't', limit: 10 })).toEqual([4, 3, 1]);
      expect(await seqs({ taskId: 'nope', limit: 10 })).toEqual([]);
      expect(await seqs({ agentId: 'a1', limit: 10 })).toEqual([4, 3, 2, 1]); // registered: scored in every decision
      const t2 = (logged[1] as LoggedDecision).timestampMs;
      const t4 = (logged[3] as LoggedDecision).timestampMs;
      expect(await seqs({ sinceMs: t2, limit: 10 })).toEqual([4, 3, 2]);
      expect(await seqs({ sinceMs: t2, untilMs: t4, limit: 10 })).toEqual([3, 2]);
      expect(await seqs({ taskId: 't', sinceMs: t2, limit: 10 })).toEqual([4, 3]);
      expect(await seqs({ agentId: 'a1', taskId: 'u', limit: 10 })).toEqual([2]);
    });

    test('pages with a cursor: every record exactly once, newest first, even while appending', async () => {
      const store = open(createDatabase());
      const make = decisionMaker(['a']);
      await store.appendDecisions(Array.from({ length: 25 }, (_, i) => make(`t${i}`, 'fix', [['a', i]])));
      const seen: number[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await store.queryDecisions({ limit: 7, ...(cursor === undefined ? {} : { cursor }) });
        seen.push(...result.decisions.map((d) => d.seq));
        if (page === 0) await store.appendDecisions([make('late', 'fix', [])]); // must not shift pages
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
      }
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));
      await expect(store.queryDecisions({ limit: 5, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'invalid_cursor',
      });
    });

    test('agent queries are exact: a1 never sees a10, a_1 never matches ab1, % is not a wildcard', async () => {
      const store = open(createDatabase());
      const make = decisionMaker([]);
      await store.appendDecisions([
        make('1', 'x', [['a10', 1]]),
        make('2', 'x', [['ab1', 1]]),
        make('3', 'x', [['a%', 1]]),
        make('4', 'x', [['a1', 1]]),
      ]);
      const seqs = async (agentId: string) =>
        (await store.queryDecisions({ agentId, limit: 10 })).decisions.map((d) => d.seq);
      expect(await seqs('a1')).toEqual([4]);
      expect(await seqs('a_1')).toEqual([]);
      expect(await seqs('a%')).toEqual([3]);
      expect(await seqs('a')).toEqual([]);
    });

    test('agent queries return exactly the decisions the agent took part in, for any ids', async () => {
      const idChars = fc.constantFrom('a', 'b', '1', '0', '_', '%', '"', '-', '\\');
      const agentId = fc.string({ unit: idChars, minLength: 1, maxLength: 4 });
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uniqueArray(agentId, { maxLength: 4 }), { minLength: 1, maxLength: 12 }),
          async (bidders) => {
            const store = open(createDatabase());
            const make = decisionMaker([]);
            await store.appendDecisions(
              bidders.map((ids, i) =>
                make(
                  `t${i}`,
                  'x',
                  ids.map((id) => [id, 1]),
                ),
              ),
            );
            for (const id of new Set(bidders.flat())) {
              const expected = bidders.flatMap((ids, i) => (ids.includes(id) ? [i + 1] : [])).reverse();
              const got = (await store.queryDecisions({ agentId: id, limit: 100 })).decisions.map(
                (d) => d.seq,
              );
              if (JSON.stringify(got) !== JSON.stringify(expected)) return false;
            }
            await store.close();
            return true;
          },
        ),
        { numRuns: 25 },
      );
    });

    test('streams the whole log oldest first, or from a time on', async () => {
      const store = open(createDatabase());
      const make = decisionMaker(['a']);
      const logged = await store.appendDecisions(
        Array.from({ length: 1203 }, (_, i) => make(`t${i}`, 'fix', [])),
      );
      const all: number[] = [];
      for await (const d of store.streamDecisions()) all.push(d.seq);
      expect(all).toEqual(logged.map((d) => d.seq));
      const since: number[] = [];
      for await (const d of store.streamDecisions({ sinceMs: (logged[1200] as LoggedDecision).timestampMs }))
        since.push(d.seq);
      expect(since).toEqual([1201, 1202, 1203]);
      const none: number[] = [];
      for await (const d of store.streamDecisions({ sinceMs: Date.UTC(2100, 0, 1) })) none.push(d.seq);
      expect(none).toEqual([]);
    });

    test('two handles on one database append to one gap-free chain', async () => {
      const db = createDatabase();
      const first = open(db);
      const second = open(db);
      const make = decisionMaker(['a']);
      for (let i = 0; i < 10; i++) {
        await (i % 2 === 0 ? first : second).appendDecisions([make(`t${i}`, 'fix', [['a', i]])]);
      }
      const result = await verifyLog(first);
      expect(result).toMatchObject({ ok: true, records: 10, problems: [] });
      expect(await second.agentCounts('a')).toMatchObject({ considered: 10, bids: 10, won: 10 });
    });

    test('records outcomes of candidates once each, and streams them back with their task text', async () => {
      const store = open(createDatabase());
      const make = decisionMaker(['a', 'b', 'c']);
      await store.appendDecisions([
        make('t1', 'fix the firewall', [
          ['a', 10],
          ['b', 20],
        ]),
        make('t2', 'audit', [['c', 5]]),
      ]);
      const first = await store.appendOutcome({ seq: 1, agentId: 'a', status: 'failed' }, 1000);
      expect(first).toMatchObject({ outcomeSeq: 1, seq: 1, agentId: 'a', status: 'failed', taskId: 't1' });
      await store.appendOutcome({ seq: 1, agentId: 'b', status: 'completed', durationMs: 1500 }, 2000);
      await store.appendOutcome({ seq: 2, agentId: 'c', status: 'completed' }, 3000);
      const streamed = [];
      for await (const outcome of store.streamOutcomes()) streamed.push(outcome);
      expect(streamed).toEqual([
        {
          seq: 1,
          agentId: 'a',
          status: 'failed',
          outcomeSeq: 1,
          recordedAtMs: 1000,
          taskId: 't1',
          description: 'fix the firewall',
        },
        {
          seq: 1,
          agentId: 'b',
          status: 'completed',
          durationMs: 1500,
          outcomeSeq: 2,
          recordedAtMs: 2000,
          taskId: 't1',
          description: 'fix the firewall',
        },
        {
          seq: 2,
          agentId: 'c',
          status: 'completed',
          outcomeSeq: 3,
          recordedAtMs: 3000,
          taskId: 't2',
          description: 'audit',
        },
      ]);
      expect(await store.lastOutcomeSeq()).toBe(3);
      const after = [];
      for await (const outcome of store.streamOutcomes(1)) after.push(outcome.outcomeSeq);
      expect(after).toEqual([2, 3]);
    });

    test('keeps what an agent handed back with its outcome, sealed with it; outcomes without one read as before', async () => {
      const store = open(createDatabase());
      const make = decisionMaker(['a', 'b']);
      await store.appendDecisions([
        make('t1', 'fix the firewall', [
          ['a', 10],
          ['b', 20],
        ]),
      ]);
      const result = {
        artifacts: [{ name: 'patch', parts: [{ text: 'déjà vu 🚀' }, { data: { lines: [1, 2.5, null] } }] }],
      };
      const recorded = await store.appendOutcome({ seq: 1, agentId: 'a', status: 'completed', result }, 1000);
      expect(recorded.result).toEqual(result);
      await store.appendOutcome({ seq: 1, agentId: 'b', status: 'failed' }, 2000);
      expect(await store.outcomeResult(1, 'a')).toEqual(result);
      expect(await store.outcomeResult(1, 'b')).toBeUndefined();
      expect(await store.outcomeResult(1, 'nobody')).toBeUndefined();
      expect(await store.outcomeResult(9, 'a')).toBeUndefined();
      // The learning replay does not carry results.
      const streamed: unknown[] = [];
      for await (const outcome of store.streamOutcomes()) streamed.push(outcome);
      expect(streamed).toHaveLength(2);
      await store.shared?.sealPending();
      expect(await verifyLog(store)).toMatchObject({ ok: true, ledger: { ok: true, problems: [] } });
    });

    test('refuses an outcome for an unknown decision, a non-candidate, or a second report, writing nothing', async () => {
      const store = open(createDatabase());
      const make = decisionMaker(['a', 'b', 'a1']);
      await store.appendDecisions([make('t1', 'fix', [['a', 10]])]);
      await expect(
        store.appendOutcome({ seq: 9, agentId: 'a', status: 'completed' }, 1),
      ).rejects.toMatchObject({
        code: 'unknown_decision',
      });
      // b was registered (scored) but did not bid; a1 is an id that only looks like a candidate's.
      for (const agentId of ['b', 'a1', 'nobody']) {
        await expect(store.appendOutcome({ seq: 1, agentId, status: 'completed' }, 1)).rejects.toMatchObject({
          code: 'not_a_candidate',
        });
      }
      await store.appendOutcome({ seq: 1, agentId: 'a', status: 'completed' }, 1);
      await expect(store.appendOutcome({ seq: 1, agentId: 'a', status: 'failed' }, 2)).rejects.toMatchObject({
        code: 'duplicate_outcome',
      });
      const streamed = [];
      for await (const outcome of store.streamOutcomes()) streamed.push(outcome);
      expect(streamed).toHaveLength(1);
      expect(streamed[0]).toMatchObject({ status: 'completed' });
      expect(await verifyLog(store)).toMatchObject({ ok: true, records: 1 });
    });

    test('keeps registered agents: added once, manifests replaced, heartbeats only move forward, deleted', async () => {
      const db = createDatabase();
      const store = open(db);
      const manifest = { agentId: 'a1', agentName: 'A1', capabilities: ['x'], keywords: [], rateSats: 5 };
      const hash = 'ab'.repeat(32);
      const a1 = { manifest, tokenHash: hash, registeredAtMs: 10, lastHeartbeatMs: 10 };
      expect(await store.addAgent(a1)).toBe(true);
      const a10 = {
        manifest: { ...manifest, agentId: 'a10' },
        tokenHash: null,
        registeredAtMs: 20,
        lastHeartbeatMs: 20,
      };
      expect(await store.addAgent(a10)).toBe(true);
      // Taken: another registration of the id (through any instance) replaces nothing.
      expect(await store.addAgent({ ...a1, tokenHash: 'cd'.repeat(32), registeredAtMs: 30 })).toBe(false);
      expect(await store.updateAgentManifest({ ...manifest, rateSats: 7 })).toBe(true);
      expect(await store.updateAgentManifest({ ...manifest, agentId: 'nobody' })).toBe(false);
      expect(await store.recordHeartbeat('a1', 50)).toBe(true);
      expect(await store.recordHeartbeat('a1', 30)).toBe(true); // an older beat does not move it back
      expect(await store.recordHeartbeat('nobody', 50)).toBe(false);
      const stored1 = {
        manifest: { ...manifest, rateSats: 7 },
        tokenHash: hash,
        registeredAtMs: 10,
        lastHeartbeatMs: 50,
      };
      const other = open(db); // another handle on the same database sees the same agents
      expect(await other.listAgents()).toEqual([stored1, a10]);
      expect(await other.getAgent('a1')).toEqual(stored1);
      expect(await other.agentByTokenHash(hash)).toEqual(stored1);
      expect(await other.tokenHolder(hash)).toBe('a1');
      // Exact matches only: no case folding, no prefixes, no pattern characters.
      for (const id of ['A1', 'a', 'a%', 'a1 ']) expect(await other.getAgent(id)).toBeUndefined();
      expect(await other.agentByTokenHash('cd'.repeat(32))).toBeUndefined();

      expect(await store.deleteAgent('a1')).toBe(true);
      expect(await store.deleteAgent('a1')).toBe(false);
      expect((await store.listAgents()).map((a) => a.manifest.agentId)).toEqual(['a10']);
      expect(await other.getAgent('a1')).toBeUndefined();
      expect(await other.agentByTokenHash(hash)).toBeUndefined();
      expect(await other.tokenHolder(hash)).toBeUndefined();
      // A removed agent stays removed: neither an update nor a heartbeat brings it back.
      expect(await other.updateAgentManifest(manifest)).toBe(false);
      expect(await other.recordHeartbeat('a1', 60)).toBe(false);
      expect(await store.getAgent('a1')).toBeUndefined();
      // Its id is free again, for a new registration with a new token.
      expect(await other.addAgent({ ...a1, tokenHash: 'ef'.repeat(32), registeredAtMs: 70 })).toBe(true);
      expect((await store.agentByTokenHash('ef'.repeat(32)))?.registeredAtMs).toBe(70);
      // Asked many at once (read together on PostgreSQL), each answer is its own hash's, repeats included.
      const asked = ['ef'.repeat(32), hash, 'ef'.repeat(32), '00'.repeat(32)];
      const holders = await Promise.all(
        Array.from({ length: 60 }, (_, i) => other.tokenHolder(asked[i % asked.length] ?? '')),
      );
      const expected = ['a1', undefined, 'a1', undefined];
      expect(holders).toEqual(Array.from({ length: 60 }, (_, i) => expected[i % expected.length]));
    });

    test('agent writes through several handles read back as one map of agents says, whatever their order', async () => {
      const db = createDatabase();
      const handles = [open(db), open(db)];
      const tokenHashes = ['01', '02', '03'].map((b) => b.repeat(32));
      const ids = ['a', 'b', 'a_', '%'];
      const step = fc.record({
        handle: fc.constantFrom(0, 1),
        id: fc.constantFrom(...ids),
        kind: fc.constantFrom('add', 'update', 'beat', 'beats', 'remove'),
        token: fc.option(fc.constantFrom(...tokenHashes)),
        value: fc.integer({ min: 0, max: 1000 }),
      });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 20 }), async (steps) => {
          // Each run has agents of its own (one database for all runs: a schema each would be slow).
          const prefix = `r${run++}-`;
          const model = new Map<string, StoredAgent>();
          let clock = 0;
          for (const { handle, id: bare, kind, token, value } of steps) {
            const store = handles[handle] as Store;
            const id = prefix + bare;
            const held = model.get(id);
            let expected: boolean;
            let got: boolean;
            if (kind === 'add') {
              const agent = {
                manifest: { agentId: id, agentName: id, capabilities: ['x'], keywords: [], rateSats: value },
                // Token hashes are unique per run: a run's tokens are its own.
                tokenHash:
                  token === null ? null : `${token.slice(0, 60)}${run.toString(16).padStart(4, '0')}`,
                registeredAtMs: ++clock,
                lastHeartbeatMs: clock,
              };
              const tokenTaken =
                agent.tokenHash !== null && [...model.values()].some((a) => a.tokenHash === agent.tokenHash);
              expected = held === undefined && !tokenTaken;
              got = await store.addAgent(agent);
              if (expected) model.set(id, agent);
            } else if (kind === 'update') {
              expected = held !== undefined;
              const manifest = {
                agentId: id,
                agentName: `${id}!`,
                capabilities: ['y'],
                keywords: ['k'],
                rateSats: value,
              };
              got = await store.updateAgentManifest(manifest);
              if (held !== undefined) model.set(id, { ...held, manifest });
            } else if (kind === 'beat') {
              expected = held !== undefined;
              got = await store.recordHeartbeat(id, value);
              if (held !== undefined) {
                model.set(id, { ...held, lastHeartbeatMs: Math.max(held.lastHeartbeatMs, value) });
              }
            } else if (kind === 'beats') {
              // Many at once (an MCP server's tools): this id, the next, and the first again.
              const asked = [
                id,
                prefix + (ids[(ids.indexOf(bare) + 1) % ids.length] as string),
                prefix + ids[0],
              ];
              const stored = asked.filter((a) => model.has(a));
              for (const a of new Set(stored)) {
                const agent = model.get(a) as StoredAgent;
                model.set(a, { ...agent, lastHeartbeatMs: Math.max(agent.lastHeartbeatMs, value) });
              }
              expected = true;
              got = setsEqual(await store.recordHeartbeats(asked, value), new Set(stored));
            } else {
              expected = held !== undefined;
              got = await store.deleteAgent(id);
              model.delete(id);
            }
            if (got !== expected) return false;
          }
          for (const store of handles) {
            for (const bare of ids) {
              const id = prefix + bare;
              expect(await store.getAgent(id)).toEqual(model.get(id));
            }
            for (const agent of model.values()) {
              if (agent.tokenHash !== null)
                expect(await store.agentByTokenHash(agent.tokenHash)).toEqual(agent);
            }
            const listed = (await store.listAgents()).filter((a) => a.manifest.agentId.startsWith(prefix));
            expect(listed).toEqual([...model.values()].sort((x, y) => x.registeredAtMs - y.registeredAtMs));
          }
          return true;
        }),
        { numRuns: 30 },
      );
    });

    const taskAt = (taskId: string, nowMs: number, windowMs = 1000): Task =>
      newTask(
        {
          taskId,
          description: `task ${taskId}`,
          constraints: {},
          biddingWindowMs: windowMs,
          deadlineMs: null,
        },
        nowMs,
      );
    const eventOf = (
      kind: NewTaskEvent['kind'],
      taskId: string,
      agentId: string | null,
      atMs: number,
    ): NewTaskEvent => ({
      kind,
      taskId,
      agentId,
      atMs,
      data: { n: atMs },
    });
    const codeOf = async (p: Promise<unknown>): Promise<string | undefined> =>
      p.then(
        () => undefined,
        (error: unknown) => (error instanceof RouterError ? error.code : String(error)),
      );

    test('stores tasks with their events, refuses a second task with the same id, writing nothing', async () => {
      const store = open(createDatabase());
      const task = taskAt('t1', 1_000);
      const events = await store.createTask(task, [eventOf('task:posted', 't1', null, 1_000)]);
      expect(events).toEqual([{ ...eventOf('task:posted', 't1', null, 1_000), eventId: 1 }]);
      expect(await store.getTask('t1')).toEqual(task);
      expect(
        await codeOf(
          store.createTask({ ...task, description: 'other' }, [eventOf('task:posted', 't1', null, 2)]),
        ),
      ).toBe('task_exists');
      expect((await store.getTask('t1'))?.description).toBe('task t1');
      expect(await store.eventsAfter(0, 10)).toEqual(events);
      expect(await store.lastEventId()).toBe(1);
      expect(await store.countOpenTasks()).toBe(1);
    });

    test('takes bids in arrival order with a version bump each; refuses unknown, duplicate and late bids', async () => {
      const store = open(createDatabase());
      const task = taskAt('t1', 1_000, 1_000);
      await store.createTask(task, [eventOf('task:posted', 't1', null, 1_000)]);
      const first = await store.addBid(
        't1',
        { agentId: 'a', bidSats: 10 },
        1_100,
        eventOf('bid:received', 't1', 'a', 1_100),
      );
      expect(first.task.bids).toEqual([{ agentId: 'a', bidSats: 10 }]);
      expect(first.task.version).toBe(task.version + 1);
      const second = await store.addBid(
        't1',
        { agentId: 'b', bidSats: 5 },
        1_200,
        eventOf('bid:received', 't1', 'b', 1_200),
      );
      expect(second.task.bids.map((b) => b.agentId)).toEqual(['a', 'b']);
      expect(second.events[0]?.eventId).toBeGreaterThan(first.events[0]?.eventId as number);
      expect(
        await codeOf(
          store.addBid('nope', { agentId: 'a', bidSats: 1 }, 1_200, eventOf('bid:received', 'nope', 'a', 1)),
        ),
      ).toBe('unknown_task');
      expect(
        await codeOf(
          store.addBid('t1', { agentId: 'a', bidSats: 1 }, 1_300, eventOf('bid:received', 't1', 'a', 1)),
        ),
      ).toBe('duplicate_bid');
      expect(
        await codeOf(
          store.addBid('t1', { agentId: 'c', bidSats: 1 }, 2_000, eventOf('bid:received', 't1', 'c', 1)),
        ),
      ).toBe('wrong_state');
      const stored = await store.getTask('t1');
      expect(stored?.bids).toEqual([
        { agentId: 'a', bidSats: 10 },
        { agentId: 'b', bidSats: 5 },
      ]);
      expect(stored?.version).toBe(task.version + 2);
      expect((await store.eventsAfter(0, 10)).map((e) => e.kind)).toEqual([
        'task:posted',
        'bid:received',
        'bid:received',
      ]);
    });

    test('stores tasks posted at once each once, refuses a repeated id, and numbers events in call order', async () => {
      const store = open(createDatabase());
      const post = (taskId: string, atMs: number) =>
        store.createTask(taskAt(taskId, atMs), [
          eventOf('task:posted', taskId, null, atMs),
          eventOf('task:assigned', taskId, 'x', atMs), // a second event, to number as well
        ]);
      // The first goes on its own; the rest then gather behind it (a batch on PostgreSQL).
      const answers = await Promise.allSettled([
        post('p0', 1_000),
        post('p1', 1_001),
        post('p2', 1_002),
        post('p1', 1_003), // the same id again
        post('p0', 1_004), // an id already stored
        post('p3', 1_005),
      ]);
      const codes = await Promise.all(
        answers.map((a) => (a.status === 'fulfilled' ? 'ok' : codeOf(Promise.reject(a.reason)))),
      );
      expect(codes).toEqual(['ok', 'ok', 'ok', 'task_exists', 'task_exists', 'ok']);
      const ids = answers.flatMap((a) => (a.status === 'fulfilled' ? a.value.map((e) => e.eventId) : []));
      expect(ids).toHaveLength(8);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      const stored = await store.eventsAfter(0, 20);
      expect(stored.map((e) => [e.taskId, e.kind])).toEqual(
        ['p0', 'p1', 'p2', 'p3'].flatMap((t) => [
          [t, 'task:posted'],
          [t, 'task:assigned'],
        ]),
      );
      expect(stored.map((e) => e.eventId)).toEqual(ids);
      expect((await store.getTask('p1'))?.createdMs).toBe(1_001);
    });

    test('answers bids that arrive at once as if they came one by one, in call order', async () => {
      const store = open(createDatabase());
      for (const id of ['t0', 't1', 't2']) {
        await store.createTask(taskAt(id, 1_000, 1_000), [eventOf('task:posted', id, null, 1_000)]);
      }
      const base = (await store.getTask('t1'))?.version as number;
      const bid = (taskId: string, agentId: string, atMs: number) =>
        store.addBid(taskId, { agentId, bidSats: 10 }, atMs, eventOf('bid:received', taskId, agentId, atMs));
      // t0 goes first on its own; the rest then gather behind it (a batch on PostgreSQL).
      const answers = await Promise.allSettled([
        bid('t0', 'z', 1_050),
        bid('t1', 'a', 1_100),
        bid('t1', 'b', 1_110),
        bid('t1', 'a', 1_120), // duplicate of the call before last
        bid('nope', 'a', 1_130),
        bid('t2', 'c', 1_140),
        bid('t1', 'd', 1_150),
        bid('t1', 'e', 2_500), // after t1's window
      ]);
      const codes = await Promise.all(
        answers.map((a) => (a.status === 'fulfilled' ? 'ok' : codeOf(Promise.reject(a.reason)))),
      );
      expect(codes).toEqual(['ok', 'ok', 'ok', 'duplicate_bid', 'unknown_task', 'ok', 'ok', 'wrong_state']);
      const seen = answers.map((a) => (a.status === 'fulfilled' ? a.value : undefined));
      expect(seen[1]?.task.bids.map((b) => b.agentId)).toEqual(['a']);
      expect(seen[1]?.task.version).toBe(base + 1);
      expect(seen[2]?.task.bids.map((b) => b.agentId)).toEqual(['a', 'b']);
      expect(seen[2]?.task.version).toBe(base + 2);
      expect(seen[2]?.task.updatedMs).toBe(1_110);
      expect(seen[6]?.task.bids.map((b) => b.agentId)).toEqual(['a', 'b', 'd']);
      expect(seen[6]?.task.version).toBe(base + 3);
      expect(seen[5]?.task.bids.map((b) => b.agentId)).toEqual(['c']);
      const eventIds = [1, 2, 6].map((i) => seen[i]?.events[0]?.eventId as number);
      expect([...eventIds].sort((x, y) => x - y)).toEqual(eventIds);
      const stored = await store.getTask('t1');
      expect(stored?.bids.map((b) => b.agentId)).toEqual(['a', 'b', 'd']);
      expect(stored?.version).toBe(base + 3);
      expect(stored?.updatedMs).toBe(1_150);
    });

    test('commits a task change once: against a stale version it writes nothing and says so', async () => {
      const store = open(createDatabase());
      const make = decisionMaker(['a']);
      const task = taskAt('t1', 1_000);
      await store.createTask(task, [eventOf('task:posted', 't1', null, 1_000)]);
      const decided: Task = { ...task, status: 'unassigned', version: task.version + 1, updatedMs: 2_000 };
      const change = {
        task: decided,
        expectedVersion: task.version,
        decision: make('t1', 'fix', []),
        events: (committed: Task) => [
          { ...eventOf('task:decided', 't1', null, 2_000), data: { seq: committed.decisionSeq } },
        ],
      };
      const committed = await store.commitTask(change);
      expect(committed?.task.decisionSeq).toBe(1);
      expect(committed?.decision?.seq).toBe(1);
      expect(committed?.events[0]?.data).toEqual({ seq: 1 });
      expect(await store.commitTask(change)).toBeNull(); // the same change again: stale
      expect(await store.countDecisions()).toBe(1);
      expect((await store.getTask('t1'))?.status).toBe('unassigned');
      expect((await store.eventsAfter(0, 10)).map((e) => e.kind)).toEqual(['task:posted', 'task:decided']);
      // The event as stored carries the seq too, wherever the change put it.
      expect((await store.eventsAfter(0, 10))[1]?.data).toEqual({ seq: 1 });
      expect(await store.countTasksByStatus()).toEqual(new Map([['unassigned', 1]]));
      expect(await store.countOpenTasks()).toBe(0);
    });

    test('a confidence reads back exactly, through an append and a task commit, and is sealed', async () => {
      const store = open(createDatabase());
      const make = decisionMaker(['a', 'b']);
      const sure = { ...make('t0', 'fix a', [['a', 10]]), confidence: 0.834 };
      const [logged] = await store.appendDecisions([sure, make('t1', 'fix b', [['b', 10]])]);
      expect((await store.getDecision(1))?.confidence).toBe(0.834);
      expect((await store.getDecision(2))?.confidence).toBeNull();
      expect(logged?.hash).toBe(sealRecord(logged?.prevHash as string, 1, sure));
      const task = taskAt('t2', 1_000);
      await store.createTask(task, [eventOf('task:posted', 't2', null, 1_000)]);
      const committed = await store.commitTask({
        task: { ...task, status: 'unassigned', version: task.version + 1, updatedMs: 2_000 },
        expectedVersion: task.version,
        decision: { ...make('t2', 'fix a', [['a', 5]]), confidence: 1 },
        events: () => [eventOf('task:decided', 't2', null, 2_000)],
      });
      const back = await store.getDecision(committed?.decision?.seq as number);
      expect(back?.confidence).toBe(1);
      expect(back?.hash).toBe(committed?.decision?.hash);
      expect((await verifyLog(store)).problems).toEqual([]);
    });

    test("counts each agent's tasks in hand through every change: offered, accepted, moved, completed, failed", async () => {
      const db = createDatabase();
      const store = open(db);
      const make = decisionMaker(['a', 'b']);
      const stored = new Map<string, Task>();
      const post = async (taskId: string) => {
        const task = taskAt(taskId, 1_000);
        await store.createTask(task, [eventOf('task:posted', taskId, null, 1_000)]);
        stored.set(taskId, task);
      };
      // One commit of a task's next state; with `decided`, the auction's decision (bids by a and b).
      const move = async (taskId: string, status: Task['status'], agent: string | null, decided = false) => {
        const before = stored.get(taskId) as Task;
        const after: Task = {
          ...before,
          status,
          assignedAgent: agent,
          candidates: decided ? ['a', 'b'] : before.candidates,
          version: before.version + 1,
          updatedMs: before.updatedMs + 1,
        };
        const committed = await store.commitTask({
          task: after,
          expectedVersion: before.version,
          ...(decided
            ? {
                decision: make(taskId, 'fix', [
                  ['a', 10],
                  ['b', 20],
                ]),
              }
            : {}),
          events: () => [eventOf('task:assigned', taskId, agent, after.updatedMs)],
        });
        expect(committed).not.toBeNull();
        stored.set(taskId, committed?.task as Task);
      };
      const loads = async (handle = store) => Object.fromEntries(await handle.inFlightByAgent());
      for (const id of ['t1', 't2', 't3', 't4']) await post(id);
      expect(await loads()).toEqual({});
      await move('t1', 'offered', 'a', true);
      await move('t2', 'offered', 'a', true);
      await move('t3', 'offered', 'b', true);
      await move('t4', 'unassigned', null, true);
      expect(await loads()).toEqual({ a: 2, b: 1 });
      await move('t1', 'accepted', 'a');
      expect(await loads()).toEqual({ a: 2, b: 1 });
      await move('t2', 'offered', 'b'); // a rejected it: offered to the next candidate
      expect(await loads()).toEqual({ a: 1, b: 2 });
      await move('t3', 'completed', 'b');
      await move('t1', 'failed', 'a');
      expect(await loads()).toEqual({ b: 1 });
      // A second handle on the database counts the same.
      expect(await loads(open(db))).toEqual({ b: 1 });
    });

    test('close is idempotent and later calls fail with store_closed', async () => {
      const store = open(createDatabase());
      await store.close();
      await store.close();
      const failure = store.countDecisions();
      await expect(failure).rejects.toBeInstanceOf(RouterError);
      await expect(store.countDecisions()).rejects.toMatchObject({ code: 'store_closed' });
    });
  });
}

function setsEqual(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
