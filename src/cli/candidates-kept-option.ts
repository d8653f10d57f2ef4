import { badArgument } from './cli-error.js';

/** `--candidates-kept` (or SWARM_ROUTER_CANDIDATES_KEPT): an integer from 0 to 100,000. */
export function parseCandidatesKept(text: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 0 || n > 100_000) {
    throw badArgument('--candidates-kept', 'an integer from 0 to 100000', text);
  }
  return n;
}
