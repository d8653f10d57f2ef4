import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.SWARM_ROUTER_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether browser tests can run. In CI a missing Chromium is a failure, not a skip (.ci/run installs
 * it); on a developer's machine the tests skip and say how to enable them.
 */
export function requireChromium(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') {
    throw new Error(
      `CI needs Chromium at ${CHROMIUM_PATH} for the browser tests (.ci/run installs it with apt)`,
    );
  }
  console.warn(
    `skipping browser tests: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set SWARM_ROUTER_CHROMIUM)`,
  );
  return false;
}

/** Flags for headless Chromium on these machines: root, no GPU, no network beyond loopback. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
