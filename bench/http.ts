/**
 * HTTP benchmarks of `swarm-router serve` (issue: the service). Run `npm run bench:http` (all) or
 * `npm run bench:http -- route` (some). The service runs as its own process (dist/, as shipped) on a
 * fresh SQLite log; autocannon drives it from this process, so the two share the machine's 2 cores.
 *
 * route: POST /v1/route with the six personas and the log on, each request one task of the seed's
 * personas workload with its bids (20,000 distinct bodies, cycled).
 * auction: the auction path — each connection posts a task (POST /v1/tasks), then the six personas
 * bid on it (six POST /v1/tasks/{id}/bids); the sixth bid closes the auction (every eligible agent
 * has bid), so the decision is logged and the task offered before that bid is answered. Reports
 * tasks decided per second (decisions logged during the run, read from /healthz) and latency.
 * soak: the auction path for BENCH_SOAK_SECONDS (default 600) with the service's RSS sampled every
 * minute, to show memory stays flat.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { auctionRequests, descriptionsOfWorkload, startServe } from './auction-load.js';
import { envNumber } from './env-number.js';
import { machineLine } from './machine.js';

const DURATION_S = envNumber('BENCH_HTTP_SECONDS', 20, { min: 1 });
const CONNECTIONS = envNumber('BENCH_HTTP_CONNECTIONS', 32, { min: 1 });
/** Each connection runs one auction at a time (seven requests in sequence), so more are needed. */
const AUCTION_CONNECTIONS = envNumber('BENCH_AUCTION_CONNECTIONS', 64, { min: 1 });

const workDir = mkdtempSync(join(tmpdir(), 'swarm-router-http-'));
process.on('exit', () => rmSync(workDir, { recursive: true, force: true }));

function startService(): Promise<{ child: ChildProcess; url: string }> {
  return startServe(['--db', join(workDir, 'http.db')]);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function routeBench(): Promise<string> {
  const lines = gunzipSync(
    readFileSync(new URL('../test/fixtures/seed/workload-personas-20k.jsonl.gz', import.meta.url)),
  )
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  // Task ids are dropped so each request is a new task (the log keeps every decision anyway).
  const bodies = lines.map((l) => {
    const { task_id: _, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return JSON.stringify(rest);
  });
  const { child, url } = await startService();
  try {
    const pid = child.pid as number;
    const rssStart = rssMb(pid);
    let next = 0;
    const result = await autocannon({
      url: `${url}/v1/route`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests: [
        {
          setupRequest: (request) => {
            request.body = bodies[next++ % bodies.length] as string;
            return request;
          },
        },
      ],
    });
    const rssEnd = rssMb(pid);
    const non2xx = result.non2xx + result.errors;
    return (
      `route  POST /v1/route, six personas, log on, ${CONNECTIONS} connections, ${DURATION_S} s: ` +
      `${Math.round(result.requests.average).toLocaleString('en-US')} requests/s ` +
      `(${result.requests.total.toLocaleString('en-US')} in all, ${non2xx} not 2xx); latency p50 ${result.latency.p50} ms, ` +
      `p99 ${result.latency.p99} ms, max ${result.latency.max} ms; service RSS ${rssStart.toFixed(0)} MB at start, ${rssEnd.toFixed(0)} MB at end`
    );
  } finally {
    child.kill('SIGTERM');
  }
}

async function decisionsLogged(url: string): Promise<number> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { decisions: number }).decisions;
}

async function auctionRun(
  seconds: number,
  onTick?: (elapsedS: number, pid: number) => void,
): Promise<string> {
  const descriptions = descriptionsOfWorkload();
  const { child, url } = await startService();
  try {
    const pid = child.pid as number;
    const rssStart = rssMb(pid);
    const before = await decisionsLogged(url);
    const started = Date.now();
    const ticker =
      onTick === undefined
        ? undefined
        : setInterval(() => onTick((Date.now() - started) / 1000, pid), 60_000);
    const result = await autocannon({
      url,
      connections: AUCTION_CONNECTIONS,
      duration: seconds,
      requests: auctionRequests(descriptions),
    });
    clearInterval(ticker);
    const elapsed = (Date.now() - started) / 1000;
    const decided = (await decisionsLogged(url)) - before;
    const rssEnd = rssMb(pid);
    const non2xx = result.non2xx + result.errors;
    return (
      `auction  POST /v1/tasks + 6 bids per task, six personas, log on, ${AUCTION_CONNECTIONS} connections, ${seconds} s: ` +
      `${Math.round(decided / elapsed).toLocaleString('en-US')} tasks decided/s (${decided.toLocaleString('en-US')} in all), ` +
      `${Math.round(result.requests.average).toLocaleString('en-US')} requests/s, ${non2xx} not 2xx; latency p50 ${result.latency.p50} ms, ` +
      `p99 ${result.latency.p99} ms, max ${result.latency.max} ms; service RSS ${rssStart.toFixed(0)} MB at start, ${rssEnd.toFixed(0)} MB at end`
    );
  } finally {
    child.kill('SIGTERM');
  }
}

async function soakBench(): Promise<string> {
  const seconds = envNumber('BENCH_SOAK_SECONDS', 600, { min: 1 });
  const samples: string[] = [];
  const line = await auctionRun(seconds, (elapsed, pid) => {
    samples.push(`${Math.round(elapsed / 60)} min ${rssMb(pid).toFixed(0)} MB`);
  });
  return `soak (${seconds} s) ${line}\n  RSS by minute: ${samples.join(', ')}`;
}

const BENCHMARKS: Record<string, () => Promise<string>> = {
  route: routeBench,
  auction: () => auctionRun(DURATION_S),
  soak: soakBench,
};
const picked = process.argv.slice(2);
// The soak runs only when asked for: it takes ten minutes.
const names = picked.length === 0 ? ['route', 'auction'] : picked;
const unknown = names.filter((n) => !(n in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
console.log(`swarm-router HTTP benchmarks — ${machineLine()}`);
for (const name of names) console.log(await (BENCHMARKS[name] as () => Promise<string>)());
