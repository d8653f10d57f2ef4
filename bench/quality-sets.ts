import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEvalRoster } from '../src/cli/eval-roster.js';
import type { EvalTask } from '../src/eval/run-eval.js';
import type { AgentManifest } from '../src/manifest/manifest.js';

/**
 * The labelled sets the quality probes read (`../shared/data/quality/<set>/`): their tasks as `eval`
 * takes them, without eval's checks (the probes read files they know).
 */
export const QUALITY_ROOT = '../shared/data/quality';

/** The tasks of one split of one set, e.g. readSplit(root, 'clinc150', 'dev'), in file order. */
export function readSplit(root: string, set: string, split: string): EvalTask[] {
  return readFileSync(join(root, baseSet(set), `${split}.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const dto = JSON.parse(line) as { task_id: string; description: string; label: string };
      return { taskId: dto.task_id, description: dto.description, label: dto.label };
    });
}

/**
 * The sets a calibration probe fits on, by the kind of roster it fits: the two whose agents have
 * examples (metatool, without, printed as the check), or (`--without-examples` among the probe's
 * arguments) the three rosters without examples — the same two with their examples removed, and
 * metatool, whose tools have none. Arguments other than the flag stay in their places.
 */
export function calibrationSets(argv: readonly string[]): {
  readonly args: string[];
  readonly sets: readonly string[];
  readonly fitSets: readonly string[];
} {
  const withoutExamples = argv.includes('--without-examples');
  const args = argv.filter((a) => a !== '--without-examples');
  const fitSets = withoutExamples
    ? [`stackexchange6${NO_EXAMPLES}`, `clinc150${NO_EXAMPLES}`, 'metatool']
    : ['stackexchange6', 'clinc150'];
  return { args, sets: withoutExamples ? fitSets : [...fitSets, 'metatool'], fitSets };
}

/** A set's name with this suffix: its roster with every agent's examples removed. */
export const NO_EXAMPLES = ':no-examples';

/** The set's agents as `eval` loads them, without examples for a name ending in NO_EXAMPLES. */
export async function rosterOf(root: string, set: string): Promise<AgentManifest[]> {
  const agents = await loadEvalRoster(join(root, baseSet(set), 'agents.json'));
  return set.endsWith(NO_EXAMPLES) ? agents.map(({ examples: _, ...agent }) => agent) : agents;
}

/** The labelled set a name reads its tasks from. */
export function baseSet(set: string): string {
  return set.endsWith(NO_EXAMPLES) ? set.slice(0, -NO_EXAMPLES.length) : set;
}
