import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manifestFromPersona } from '../src/manifest/agent-registry.js';
import type { AgentManifest } from '../src/manifest/manifest.js';
import { PERSONAS } from '../src/manifest/personas.js';
import { createRouter } from '../src/router/create-router.js';
import { createStore } from '../src/store/create-store.js';
import { decisionBatchLine, decisionRecord } from '../src/wire/decision-dto.js';
import { toRoster, validateRosterFile } from '../src/wire/manifest-dto.js';
import { toRouteRequest, validateRouteRequestDto } from '../src/wire/route-dto.js';
import { fixturePath, readJsonlFixture, type SeedDecisionLine } from './helpers/seed-fixtures.js';
import { tempDbPath, tempDir } from './helpers/temp-dir.js';

/**
 * Decision-for-decision parity with the seed (DESIGN.md): on every shared workload the classic scorer
 * must pick the same agent and produce the same capability and combined scores to the last bit, in
 * the same order, with the same selection reason.
 */
const WORKLOADS = [
  { name: 'personas-20k', roster: 'personas' },
  { name: 'synthetic-100', roster: 'roster-synthetic-100.json' },
  { name: 'synthetic-1000', roster: 'roster-synthetic-1000.json' },
] as const;

function roster(name: string): AgentManifest[] {
  if (name === 'personas') return PERSONAS.map((p) => manifestFromPersona(p, p.personaId));
  const path = fixturePath(name);
  return toRoster(validateRosterFile(JSON.parse(readFileSync(path, 'utf8')), path), path);
}

function requests(name: string) {
  return readJsonlFixture(`workload-${name}.jsonl`).map((line, i) =>
    toRouteRequest(validateRouteRequestDto(line, `workload-${name}.jsonl:${i + 1}`)),
  );
}

/** Every mismatch, described; the test expects none. Numbers compare with Object.is: bit for bit. */
function compare(ours: SeedDecisionLine, seed: SeedDecisionLine, index: number): string[] {
  const problems: string[] = [];
  const where = `task ${index + 1} (${seed.task_id})`;
  if (ours.task_id !== seed.task_id) problems.push(`${where}: task_id ${ours.task_id}`);
  if (ours.selected_agent !== seed.selected_agent) {
    problems.push(`${where}: selected ${ours.selected_agent}, seed ${seed.selected_agent}`);
  }
  if (ours.selection_reason !== seed.selection_reason) {
    problems.push(`${where}: reason "${ours.selection_reason}", seed "${seed.selection_reason}"`);
  }
  for (const field of ['capability_scores', 'combined_scores'] as const) {
    const a = Object.entries(ours[field]);
    const b = Object.entries(seed[field]);
    if (a.length !== b.length) problems.push(`${where}: ${field} has ${a.length} entries, seed ${b.length}`);
    b.forEach(([agent, value], k) => {
      const mine = a[k];
      if (mine?.[0] !== agent || !Object.is(mine[1], value)) {
        problems.push(`${where}: ${field}[${k}] ${mine?.[0]}=${mine?.[1]}, seed ${agent}=${value}`);
      }
    });
  }
  return problems;
}

describe('classic scorer parity with the seed', () => {
  for (const workload of WORKLOADS) {
    it(`reproduces every seed decision on ${workload.name}`, async () => {
      const router = createRouter({ scorer: 'classic' });
      for (const manifest of roster(workload.roster)) router.registerAgent(manifest);
      const seed = readJsonlFixture<SeedDecisionLine>(`decisions-${workload.name}.jsonl`);
      const tasks = requests(workload.name).slice(0, seed.length); // synthetic-1000: the seed kept 500
      const problems: string[] = [];
      let index = 0;
      for await (const chunk of router.routeBatch(tasks, { log: false })) {
        for (const decision of chunk) {
          const ours = JSON.parse(decisionBatchLine(decision)) as SeedDecisionLine;
          problems.push(...compare(ours, seed[index] as SeedDecisionLine, index));
          index++;
        }
      }
      expect(index).toBe(seed.length);
      expect(problems.slice(0, 10)).toEqual([]);
    });
  }

  it('keeps every score bit-exact through the SQLite audit log and its export', async () => {
    const store = createStore({ location: tempDbPath(tempDir()) });
    const router = createRouter({ store, scorer: 'classic' });
    for (const manifest of roster('personas')) router.registerAgent(manifest);
    const seed = readJsonlFixture<SeedDecisionLine>('decisions-personas-20k.jsonl');
    for await (const _chunk of router.routeBatch(requests('personas-20k'))) {
      // routed and committed chunk by chunk
    }
    const problems: string[] = [];
    let index = 0;
    for await (const logged of router.export()) {
      const record = JSON.parse(decisionRecord(logged)) as SeedDecisionLine & { seq: number };
      expect(record.seq).toBe(index + 1);
      problems.push(...compare(record, seed[index] as SeedDecisionLine, index));
      index++;
    }
    await router.close();
    expect(index).toBe(seed.length);
    expect(problems.slice(0, 10)).toEqual([]);
  });
});
