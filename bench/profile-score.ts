import { createRouter } from '../dist/index.js';
import { loadWorkload } from './workloads.js';

const { requests, roster } = loadWorkload('personas');
const router = createRouter({ scorer: 'classic' });
for (const m of roster) router.registerAgent(m);
for (let r = 0; r < 8; r++) {
  const t = performance.now();
  for (let k = 0; k < 5; k++) for (const q of requests) router.decide(q);
  console.log(`${((5 * requests.length) / ((performance.now() - t) / 1000)).toFixed(0)}/s`);
}
