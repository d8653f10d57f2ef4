import { badArgument } from './cli-error.js';

/** Help text of `--min-capability`, shared by the routing commands and eval. */
export const MIN_CAPABILITY_HELP =
  'default policy: below this best match, "no suitable agent": auto (default: estimated from the roster\'s examples, else 0.04) or 0..1; calibrate with eval --oos';

/** `--min-capability` (or SWARM_ROUTER_MIN_CAPABILITY): `auto` or a number from 0 to 1. */
export function parseMinCapability(text: string): number | 'auto' {
  if (text.trim() === 'auto') return 'auto';
  const value = Number(text);
  if (text.trim() === '' || !(value >= 0 && value <= 1)) {
    throw badArgument('--min-capability', "'auto' or a number from 0 to 1", text);
  }
  return value;
}
