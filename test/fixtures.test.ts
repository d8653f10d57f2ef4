import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PERSONAS } from '../src/manifest/personas.js';
import { fixturePath } from './helpers/seed-fixtures.js';

/**
 * The repository carries copies of ../shared/ (personas, seed workloads and decisions) so a clone
 * tests on its own. Where ../shared/ is present, as in CI, these tests check the copies still match.
 */
const SHARED = new URL('../../shared/', import.meta.url);
const hasShared = existsSync(new URL('personas.json', SHARED));
const sharedOnly = hasShared ? it : it.skip;
if (!hasShared)
  console.warn('[fixtures] ../shared/ not found beside the repository: skipping the copy checks');

describe('copies of ../shared/', () => {
  sharedOnly('the built-in personas equal ../shared/personas.json', () => {
    const shared = JSON.parse(readFileSync(new URL('personas.json', SHARED), 'utf8')) as {
      agents: {
        agent_id: string;
        agent_name: string;
        role: string;
        description: string;
        capabilities: string[];
        keywords: string[];
        rate_sats: number;
        bid_base: number;
        bid_jitter: number;
      }[];
    };
    expect(
      PERSONAS.map((p) => ({ ...p, capabilities: [...p.capabilities], keywords: [...p.keywords] })),
    ).toEqual(
      shared.agents.map((a) => ({
        personaId: a.agent_id,
        name: a.agent_name,
        role: a.role,
        description: a.description,
        capabilities: a.capabilities,
        keywords: a.keywords,
        rateSats: a.rate_sats,
        bidBase: a.bid_base,
        bidJitter: a.bid_jitter,
      })),
    );
  });

  const files = [
    'workload-personas-20k.jsonl',
    'decisions-personas-20k.jsonl',
    'workload-synthetic-100.jsonl',
    'decisions-synthetic-100.jsonl',
    'workload-synthetic-1000.jsonl',
    'decisions-synthetic-1000.jsonl',
  ];
  sharedOnly.each(files)('test/fixtures/seed/%s.gz equals ../shared/data/seed/%s', (name) => {
    const ours = gunzipSync(readFileSync(fixturePath(`${name}.gz`)));
    expect(ours.equals(readFileSync(new URL(`data/seed/${name}`, SHARED)))).toBe(true);
  });
});
