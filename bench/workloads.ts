import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { manifestFromPersona } from '../dist/manifest/agent-registry.js';
import type { AgentManifest } from '../dist/manifest/manifest.js';
import { PERSONAS } from '../dist/manifest/personas.js';
import type { RouteRequest } from '../dist/router/route-request.js';
import { toRoster, validateRosterFile } from '../dist/wire/manifest-dto.js';
import { toRouteRequest, validateRouteRequestDto } from '../dist/wire/route-dto.js';

const FIXTURES = new URL('../test/fixtures/seed/', import.meta.url);

/** The seed's workloads (test/fixtures/seed, copies of ../shared/data/seed) with their rosters. */
export const WORKLOADS = {
  personas: { file: 'workload-personas-20k.jsonl', roster: 'personas' },
  'synthetic-100': { file: 'workload-synthetic-100.jsonl', roster: 'roster-synthetic-100.json' },
  'synthetic-1000': { file: 'workload-synthetic-1000.jsonl', roster: 'roster-synthetic-1000.json' },
} as const;

export type WorkloadName = keyof typeof WORKLOADS;

export function loadWorkload(name: WorkloadName): { roster: AgentManifest[]; requests: RouteRequest[] } {
  const spec = WORKLOADS[name];
  const text = gunzipSync(readFileSync(new URL(`${spec.file}.gz`, FIXTURES))).toString('utf8');
  const requests = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => toRouteRequest(validateRouteRequestDto(JSON.parse(l), `${spec.file}:${i + 1}`)));
  const roster =
    spec.roster === 'personas'
      ? PERSONAS.map((p) => manifestFromPersona(p, p.personaId))
      : toRoster(
          validateRosterFile(JSON.parse(readFileSync(new URL(spec.roster, FIXTURES), 'utf8')), spec.roster),
          spec.roster,
        );
  return { roster, requests };
}
