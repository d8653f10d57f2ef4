import { badArgument } from './cli-error.js';

/**
 * `--semantic` (or SWARM_ROUTER_SEMANTIC): `on` (the default scorer's semantic channel, with the
 * shipped word vectors) or `off` (the lexical score alone, as before the channel existed).
 */
export function parseSemantic(text: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw badArgument('--semantic', "'on' or 'off'", text);
}
