import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRouter, createStore } from '../dist/index.js';
import { loadWorkload } from './workloads.js';

const { requests, roster } = loadWorkload('personas');
const dir = mkdtempSync(join(tmpdir(), 'prof-'));
const runs = Number(process.env.RUNS ?? 6);
for (let run = 0; run < runs; run++) {
  const router = createRouter({
    scorer: 'classic',
    store: createStore({ location: join(dir, `p${run}.db`) }),
  });
  for (const m of roster) router.registerAgent(m);
  const t = performance.now();
  const c0 = process.cpuUsage();
  for await (const _ of router.routeBatch(requests, { chunkSize: Number(process.env.CHUNK ?? 1000) })) {
  }
  const s = (performance.now() - t) / 1000;
  const c = process.cpuUsage(c0);
  console.log(
    `run ${run}: ${(requests.length / s).toFixed(0)}/s wall, ${(requests.length / ((c.user + c.system) / 1e6)).toFixed(0)}/s cpu (user ${(c.user / 1000).toFixed(0)} ms sys ${(c.system / 1000).toFixed(0)} ms)`,
  );
  await router.close();
}
