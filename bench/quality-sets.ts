import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalTask } from '../src/eval/run-eval.js';

/**
 * The labelled sets the quality probes read (`../shared/data/quality/<set>/`): their tasks as `eval`
 * takes them, without eval's checks (the probes read files they know).
 */
export const QUALITY_ROOT = '../shared/data/quality';

/** The tasks of one split of one set, e.g. readSplit(root, 'clinc150', 'dev'), in file order. */
export function readSplit(root: string, set: string, split: string): EvalTask[] {
  return readFileSync(join(root, set, `${split}.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const dto = JSON.parse(line) as { task_id: string; description: string; label: string };
      return { taskId: dto.task_id, description: dto.description, label: dto.label };
    });
}
