/**
 * Where a logged decision's time goes: decide(), sealRecord() and Store.appendDecisions() (which
 * seals) timed apart on the personas workload, in µs per decision. Run with
 * `npm run build && node --import tsx bench/profile-parts.ts`; add `--cpu-prof` for a profile.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRouter, createStore, sealRecord } from '../dist/index.js';
import { loadWorkload } from './workloads.js';

const { requests, roster } = loadWorkload('personas');
const dir = mkdtempSync(join(tmpdir(), 'prof-'));
const per = (label: string, f: () => void) => {
  const xs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    f();
    xs.push(((performance.now() - t) * 1000) / requests.length);
  }
  xs.sort((a, b) => a - b);
  console.log(label.padEnd(30), xs.map((x) => x.toFixed(2)).join(' '), 'µs/decision');
};
const router = createRouter({ scorer: 'classic' });
for (const m of roster) router.registerAgent(m);
let decisions = requests.map((r) => router.decide(r));
per('decide', () => {
  decisions = requests.map((r) => router.decide(r));
});
per('seal', () => {
  let h = '0'.repeat(64);
  decisions.forEach((d, i) => {
    h = sealRecord(h, i + 1, d);
  });
});
let n = 0;
for (let r = 0; r < 5; r++) {
  const store = createStore({ location: join(dir, `p${n++}.db`) });
  const t = performance.now();
  for (let i = 0; i < decisions.length; i += 1000) await store.appendDecisions(decisions.slice(i, i + 1000));
  console.log(
    'append'.padEnd(30),
    (((performance.now() - t) * 1000) / decisions.length).toFixed(2),
    'µs/decision',
  );
  await store.close();
}
