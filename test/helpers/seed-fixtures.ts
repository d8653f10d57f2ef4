import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const FIXTURES = new URL('../fixtures/seed/', import.meta.url);

/** A gzipped JSONL fixture, parsed line by line. */
export function readJsonlFixture<T = unknown>(name: string): T[] {
  const text = gunzipSync(readFileSync(new URL(`${name}.gz`, FIXTURES))).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

export function fixturePath(name: string): string {
  return new URL(name, FIXTURES).pathname;
}

export interface SeedWorkloadLine {
  task_id: string;
  description: string;
  bids: { agent_id: string; bid_sats: number }[];
}

export interface SeedDecisionLine {
  task_id: string;
  selected_agent: string | null;
  capability_scores: Record<string, number>;
  combined_scores: Record<string, number>;
  selection_reason: string;
}
