import { badArgument } from './cli-error.js';

/** `--min-capability` (or SWARM_ROUTER_MIN_CAPABILITY): `auto` or a number from 0 to 1. */
export function parseMinCapability(text: string): number | 'auto' {
  if (text.trim() === 'auto') return 'auto';
  const value = Number(text);
  if (text.trim() === '' || !(value >= 0 && value <= 1)) {
    throw badArgument('--min-capability', "'auto' or a number from 0 to 1", text);
  }
  return value;
}
