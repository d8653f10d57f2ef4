// Probe, not part of npm test: what a sentence encoder would cost per task on this machine, from
// the rate at which plain JavaScript does multiply-adds (docs/BENCHMARKS.md, "Intent rosters the
// tuning has not seen"). A MiniLM-L6-sized encoder (6 layers, width 384, feed-forward 1,536) does
// 6 × (4 × 384² + 2 × 384 × 1,536) ≈ 10.6 M multiply-adds per token, so ~170 M for a 16-token task;
// attention over so few tokens adds little. No encoder's weights can be had here (no model hub), so
// only the arithmetic can be measured.
//
//   node --import tsx bench/encoder-cost.ts
import { seededRandom } from '../src/kernel/seeded-random.js';

const ROWS = 1536;
const COLS = 384;
const PER_TOKEN = 6 * (4 * COLS * COLS + 2 * COLS * ROWS);
const TOKENS = 16;

const random = seededRandom(1);
const matrix = Float32Array.from({ length: ROWS * COLS }, () => random() - 0.5);
const vector = Float32Array.from({ length: COLS }, () => random() - 0.5);
const out = new Float32Array(ROWS);

function matVec(): void {
  for (let r = 0; r < ROWS; r++) {
    let sum = 0;
    const at = r * COLS;
    for (let c = 0; c < COLS; c++) sum += (matrix[at + c] as number) * (vector[c] as number);
    out[r] = sum;
  }
}

for (let i = 0; i < 200; i++) matVec();
const runs = 2000;
const started = performance.now();
for (let i = 0; i < runs; i++) matVec();
const seconds = (performance.now() - started) / 1000;
const rate = (runs * ROWS * COLS) / seconds;
const perTask = (PER_TOKEN * TOKENS) / rate;
console.log(`multiply-adds per second (Float32 mat-vec, one core): ${(rate / 1e9).toFixed(2)} G`);
console.log(`a MiniLM-L6-sized encoder, ${TOKENS} tokens: ${(perTask * 1000).toFixed(0)} ms per task`);
