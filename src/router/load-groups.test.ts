import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentManifest } from '../manifest/manifest.js';
import { AgentState } from './agent-state.js';
import { createRouter } from './create-router.js';

/** A skill of an A2A agent as its card makes it a roster entry (`<agent>:<skill>`). */
function skillOf(agent: string, skill: string, maxConcurrency?: number): AgentManifest {
  return {
    agentId: `${agent}:${skill}`,
    agentName: `${agent} ${skill}`,
    capabilities: [skill],
    keywords: [skill],
    rateSats: 10,
    ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
    a2a: {
      agent,
      skill,
      skillName: skill,
      cardName: agent,
      cardVersion: '1.0.0',
      protocolVersion: '1.0',
      endpoints: [{ url: `http://127.0.0.1:1/${agent}`, binding: 'JSONRPC', protocolVersion: '1.0' }],
      streaming: false,
    },
  };
}

const plain = (agentId: string): AgentManifest => ({
  agentId,
  agentName: agentId,
  capabilities: ['translate'],
  keywords: ['translate'],
  rateSats: 10,
  maxConcurrency: 1,
});

describe('load groups: the skills of one A2A agent share its load', () => {
  it("refuses a skill of an agent whose other skill holds the card's max_concurrency of tasks", () => {
    const router = createRouter({ wordVectors: false });
    for (const m of [skillOf('poly', 'translate', 1), skillOf('poly', 'summarise', 1), plain('solo')]) {
      router.registerAgent(m);
    }
    router.setAgentLoad('poly:translate', 1);
    expect(router.refusalOf('poly:summarise', 5, {})).toBe('are at capacity');
    expect(router.refusalOf('solo', 5, {})).toBeNull();
    const decision = router.decide({
      taskId: 't1',
      description: 'summarise this',
      bids: [{ agentId: 'poly:summarise', bidSats: 5 }],
    });
    expect(decision.selectedAgent).toBeNull();
    router.setAgentLoad('poly:translate', 0);
    expect(router.refusalOf('poly:summarise', 5, {})).toBeNull();
  });

  it('shows every entry the sum of its group, unregistered entries still holding tasks included, in any order', () => {
    const entries = [skillOf('a', 'x'), skillOf('a', 'y'), skillOf('b', 'x'), plain('c')];
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('load' as const), at: fc.nat(3), n: fc.nat(4) }),
            fc.record({ kind: fc.constant('register' as const), at: fc.nat(3) }),
            fc.record({ kind: fc.constant('remove' as const), at: fc.nat(3) }),
          ),
          { maxLength: 25 },
        ),
        (steps) => {
          // As roster-view.ts does: one positions map, changed in place before the state is told.
          const state = new AgentState();
          const roster: AgentManifest[] = [];
          const positionOf = new Map<string, number>();
          state.useRoster(roster, positionOf);
          const reposition = () => {
            positionOf.clear();
            for (const [i, m] of roster.entries()) positionOf.set(m.agentId, i);
          };
          const loads = new Map<string, number>();
          for (const step of steps) {
            const entry = entries[step.at] as AgentManifest;
            const at = roster.indexOf(entry);
            if (step.kind === 'load') {
              state.setLoad(entry.agentId, step.n);
              loads.set(entry.agentId, step.n);
            } else if (step.kind === 'register' && at === -1) {
              roster.push(entry);
              reposition();
              state.agentAdded(entry);
            } else if (step.kind === 'remove' && at !== -1) {
              roster.splice(at, 1);
              reposition();
              state.agentRemoved(entry, at);
            }
          }
          // An entry holding tasks counts for its agent whether it is registered or not (removed
          // while holding them, or never registered in this process: the store's tasks say so).
          const loadOf = (m: AgentManifest) => loads.get(m.agentId) ?? 0;
          const expected = roster.map((entry) =>
            entry.a2a === undefined
              ? loadOf(entry)
              : entries
                  .filter((m) => m.a2a?.agent === entry.a2a?.agent)
                  .reduce((sum, m) => sum + loadOf(m), 0),
          );
          expect(Array.from(roster, (_, i) => state.facts.inFlight[i])).toEqual(expected);
          // The same after the roster is built again at once.
          state.useRoster(roster, positionOf);
          expect(Array.from(roster, (_, i) => state.facts.inFlight[i])).toEqual(expected);
        },
      ),
    );
  });

  it('after a restart, a skill its card dropped still counts for its agent, whatever comes first', () => {
    const entries = [skillOf('a', 'x'), skillOf('a', 'y'), skillOf('a', 'z'), skillOf('b', 'x'), plain('c')];
    fc.assert(
      fc.property(
        fc.subarray(entries, { minLength: 1 }),
        fc.array(fc.nat(3), { minLength: entries.length, maxLength: entries.length }),
        fc.infiniteStream(fc.boolean()),
        (registered, loads, coin) => {
          // A new process: the store's loads and the stored roster arrive in any interleaving.
          const state = new AgentState();
          const roster: AgentManifest[] = [];
          const positionOf = new Map<string, number>();
          state.useRoster(roster, positionOf);
          const toRegister = [...registered];
          const toLoad = entries.filter((_, i) => (loads[i] as number) > 0);
          const loadOf = (m: AgentManifest) => loads[entries.indexOf(m)] as number;
          const draws = coin[Symbol.iterator]();
          while (toRegister.length > 0 || toLoad.length > 0) {
            if (toLoad.length === 0 || (toRegister.length > 0 && draws.next().value)) {
              const entry = toRegister.shift() as AgentManifest;
              roster.push(entry);
              positionOf.set(entry.agentId, roster.length - 1);
              state.agentAdded(entry);
            } else {
              const entry = toLoad.shift() as AgentManifest;
              state.setLoad(entry.agentId, loadOf(entry));
            }
          }
          const agentOf = (m: AgentManifest) => m.a2a?.agent;
          const expected = roster.map((entry) =>
            entry.a2a === undefined
              ? loadOf(entry)
              : entries.filter((m) => agentOf(m) === agentOf(entry)).reduce((sum, m) => sum + loadOf(m), 0),
          );
          expect(Array.from(roster, (_, i) => state.facts.inFlight[i])).toEqual(expected);
          state.useRoster(roster, positionOf);
          expect(Array.from(roster, (_, i) => state.facts.inFlight[i])).toEqual(expected);
        },
      ),
    );
  });
});
