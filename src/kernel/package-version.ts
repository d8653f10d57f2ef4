import { readFileSync } from 'node:fs';

/**
 * The version in package.json, for `--version` and the swarm's agent card. This file sits two levels
 * below the package root both as src/kernel/package-version.ts (run through tsx) and as
 * dist/kernel/package-version.js (also when installed under node_modules), so one relative URL finds
 * it in both.
 */
export function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = (manifest as { version?: unknown } | null)?.version;
  if (typeof version !== 'string') {
    throw new TypeError(`expected a version string in package.json, got ${typeof version}`);
  }
  return version;
}
