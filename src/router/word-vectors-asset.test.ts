import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { cosine, sifWeight, WordVectorsFormatError } from '../scoring/embeddings/word-vectors.js';
import { readWordVectors, shippedWordVectors, WORD_VECTORS_DIR } from './word-vectors-asset.js';

const similarity = (a: string, b: string): number => {
  const vectors = shippedWordVectors();
  return cosine(vectors.vectorOf(a) as Float32Array, vectors.vectorOf(b) as Float32Array);
};

describe('the shipped word vectors', () => {
  it('load in milliseconds, 100,000 words of 100 dimensions, most frequent first', () => {
    const started = performance.now();
    const vectors = readWordVectors();
    const ms = performance.now() - started;
    expect(vectors.count).toBe(100_000);
    expect(vectors.dims).toBe(100);
    expect(vectors.rankOf('the')).toBe(0);
    expect(vectors.rankOf('database') as number).toBeLessThan(vectors.rankOf('carrot') as number);
    // Typically 30–80 ms; the bound leaves room for a loaded CI machine.
    expect(ms).toBeLessThan(1_000);
  });

  it('put related words closer than unrelated ones', () => {
    expect(similarity('king', 'queen')).toBeGreaterThan(similarity('king', 'carrot'));
    expect(similarity('database', 'sql')).toBeGreaterThan(similarity('database', 'poetry'));
    expect(similarity('software', 'program')).toBeGreaterThan(similarity('software', 'banana'));
  });

  it('know nothing of unknown words or of upper case', () => {
    const vectors = shippedWordVectors();
    expect(vectors.vectorOf('qzxjvwk')).toBeUndefined();
    expect(vectors.rankOf('King')).toBeUndefined();
    const into = new Float32Array(vectors.dims);
    expect(vectors.addTo('qzxjvwk', 1, into)).toBe(false);
    expect(into.every((x) => x === 0)).toBe(true);
  });

  it('add a weighted vector in place, as vectorOf gives it', () => {
    const vectors = shippedWordVectors();
    const into = new Float32Array(vectors.dims);
    expect(vectors.addTo('queen', 0.5, into)).toBe(true);
    const queen = vectors.vectorOf('queen') as Float32Array;
    for (let d = 0; d < vectors.dims; d++) expect(into[d]).toBeCloseTo((queen[d] as number) * 0.5, 6);
  });

  it('weigh frequent words down (SIF)', () => {
    expect(sifWeight(0)).toBeLessThan(0.05);
    expect(sifWeight(10_000)).toBeGreaterThan(0.9);
    expect(sifWeight(100)).toBeLessThan(sifWeight(1_000));
  });
});

describe('a damaged asset', () => {
  const dir = tempDir('word-vectors-');
  const source = (file: string): Buffer => readFileSync(new URL(file, WORD_VECTORS_DIR));
  const write = (name: string, bin: Buffer | undefined, vocab?: Buffer): URL => {
    const at = join(dir, name);
    mkdirSync(at, { recursive: true });
    if (bin !== undefined) writeFileSync(join(at, 'vectors.bin'), bin);
    if (vocab === undefined) copyFileSync(new URL('vocab.txt', WORD_VECTORS_DIR), join(at, 'vocab.txt'));
    else writeFileSync(join(at, 'vocab.txt'), vocab);
    return pathToFileURL(`${at}/`);
  };

  it('with the wrong magic is refused by name', () => {
    const bin = Buffer.from(source('vectors.bin'));
    bin.write('XXXX', 0, 'latin1');
    const at = write('magic', bin);
    expect(() => readWordVectors(at)).toThrow(WordVectorsFormatError);
    expect(() => readWordVectors(at)).toThrow(/starts with "XXXX", expected "SRWV"/);
  });

  it('that is truncated says how long it should be', () => {
    const at = write('truncated', source('vectors.bin').subarray(0, 5_000_000));
    expect(() => readWordVectors(at)).toThrow(/5000000 bytes, expected 10400016 for 100000 words/);
    const tiny = write('tiny', Buffer.from('SRW'));
    expect(() => readWordVectors(tiny)).toThrow(/shorter than the 16-byte header/);
  });

  it('of another version is refused', () => {
    const bin = Buffer.from(source('vectors.bin'));
    bin.writeUInt32LE(2, 4);
    expect(() => readWordVectors(write('version', bin))).toThrow(/version 2, expected 1/);
  });

  it('whose vocabulary does not match the vectors is refused', () => {
    const at = write('vocab', source('vectors.bin'), Buffer.from('the\nof\n'));
    expect(() => readWordVectors(at)).toThrow(/vocab.txt: 2 words, expected 100000/);
  });

  it('that is missing says where it was looked for', () => {
    const at = write('missing', undefined);
    expect(() => readWordVectors(at)).toThrow(/cannot read the word vectors' vectors.bin at .*missing/);
  });
});
