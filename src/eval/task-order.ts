import { seededRandom } from '../kernel/seeded-random.js';

/**
 * The order an evaluation routes its tasks in. Labelled files are often sorted (clinc150's dev split
 * is, by label), and an online learner rewarded for recency would then score what the order gives
 * away: "predict the previous task's label" is right 95% of the time there. So tasks are shuffled
 * by default, with a seed, so that a figure can be reproduced; `file` keeps the file's order.
 */
export type TaskOrder = 'shuffled' | 'file';

export const DEFAULT_EVAL_SEED = 1;

/** A copy of `items` in the order asked for: Fisher–Yates with a seeded generator for `shuffled`. */
export function inOrder<T>(items: readonly T[], order: TaskOrder, seed = DEFAULT_EVAL_SEED): T[] {
  const copy = [...items];
  if (order === 'file') return copy;
  const random = seededRandom(seed);
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
