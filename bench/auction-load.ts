import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type autocannon from 'autocannon';

/** What the HTTP benchmarks share: a `serve` child (dist/, as shipped) and the auction path's requests. */

export const PERSONAS = ['echo', 'mace', 'helm', 'seer', 'forge', 'quill'] as const;

/** A running `serve` child, as startServe started it. */
export interface ServeChild {
  readonly child: ChildProcess;
  readonly url: string;
  /** The end of its stderr (the last 8,000 characters), for error messages. */
  stderr(): string;
}

/**
 * Starts `swarm-router serve --port 0` with these arguments (and environment); resolves once it
 * listens. It runs dist/ (as shipped), or the source through tsx with `fromSource`. Node flags for
 * the child come from BENCH_SERVE_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile
 * the service under load: NODE_OPTIONS refuses --cpu-prof).
 */
export async function startServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  options: { readonly fromSource?: boolean } = {},
): Promise<ServeChild> {
  const fromSource = options.fromSource === true;
  const bin = fileURLToPath(
    new URL(fromSource ? '../src/cli/main.ts' : '../dist/cli/main.js', import.meta.url),
  );
  const nodeArgs = (process.env.BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  if (fromSource) nodeArgs.push('--import', 'tsx');
  const child = spawn(process.execPath, [...nodeArgs, bin, 'serve', '--port', '0', ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'ignore', 'pipe'],
    // These benchmarks measure how much the service can do: one load generator on one address, with
    // no token, would otherwise spend one client's allowance (BENCH_SERVE_RATE_LIMIT to keep it).
    env: { ...process.env, SWARM_ROUTER_RATE_LIMIT: process.env.BENCH_SERVE_RATE_LIMIT ?? 'off', ...env },
  });
  let seen = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      seen = (seen + d.toString()).slice(-8_000);
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on('close', (code) => reject(new Error(`serve exited (${code}): ${seen}`)));
  });
  return { child, url, stderr: () => seen };
}

/** The task texts of the seed's personas workload. */
export function descriptionsOfWorkload(): string[] {
  return gunzipSync(
    readFileSync(new URL('../test/fixtures/seed/workload-personas-20k.jsonl.gz', import.meta.url)),
  )
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { description: string }).description);
}

/** The tokens of a service with an admin token: the admin's, and each persona's (registered, not a roster's). */
export interface AuctionTokens {
  readonly admin: string;
  readonly agents: Readonly<Record<string, string>>;
}

/** An admin token as `serve` takes one (32 characters or more), for benchmarks that run with tokens. */
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef0123456789';

/** Registers the six personas through the API; resolves to their tokens (with the admin's). */
export async function registerPersonas(url: string, admin = BENCH_ADMIN_TOKEN): Promise<AuctionTokens> {
  const agents: Record<string, string> = {};
  for (const persona of PERSONAS) {
    const response = await fetch(`${url}/v1/agents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ persona }),
    });
    if (response.status !== 201)
      throw new Error(`registering ${persona}: ${response.status} ${await response.text()}`);
    agents[persona] = ((await response.json()) as { token: string }).token;
  }
  return { admin, agents };
}

const bearer = (token: string | undefined): Record<string, string> =>
  token === undefined ? {} : { authorization: `Bearer ${token}` };

/**
 * One auction per connection at a time: post a task with this window, then the first `bidders` of
 * the personas bid; with all six the last bid closes the auction. With `tokens`, the post carries the
 * admin's token and each bid its agent's own, as in a deployment with tokens.
 */
export function auctionRequests(
  descriptions: readonly string[],
  bidders: number = PERSONAS.length,
  windowMs = 60_000,
  tokens?: AuctionTokens,
): autocannon.Request[] {
  let next = 0;
  const post: autocannon.Request = {
    method: 'POST',
    path: '/v1/tasks',
    headers: { 'content-type': 'application/json', ...bearer(tokens?.admin) },
    setupRequest: (request) => {
      request.body = JSON.stringify({
        description: descriptions[next++ % descriptions.length],
        bidding_window_ms: windowMs,
      });
      return request;
    },
    onResponse: (status, body, context) => {
      // A refused post must not throw inside autocannon, which would stall the connection: its bids
      // then go to no task and count as failed requests.
      (context as { taskId?: string }).taskId =
        status === 201 ? (JSON.parse(body) as { task: { task_id: string } }).task.task_id : 'not-posted';
    },
  };
  const bids = PERSONAS.slice(0, bidders).map(
    (agent, i): autocannon.Request => ({
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(tokens?.agents[agent]) },
      setupRequest: (request, context) => {
        request.path = `/v1/tasks/${(context as { taskId?: string }).taskId}/bids`;
        request.body = JSON.stringify({ agent_id: agent, bid_sats: 20 + 7 * i });
        return request;
      },
    }),
  );
  return [post, ...bids];
}
