import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  parseWordVectors,
  type WordVectors,
  WordVectorsFormatError,
} from '../scoring/embeddings/word-vectors.js';

/**
 * Where the shipped word vectors are: this file is two levels below the package root both as
 * src/router/word-vectors-asset.ts and as dist/router/word-vectors-asset.js (also under
 * node_modules), and assets/ sits at the root (package.json "files" ships it).
 */
export const WORD_VECTORS_DIR = new URL('../../assets/word-vectors/', import.meta.url);

function readAsset(dir: URL, file: string): Buffer {
  const location = new URL(file, dir);
  try {
    return readFileSync(location);
  } catch (error) {
    throw new WordVectorsFormatError(
      `cannot read the word vectors' ${file} at ${fileURLToPath(location)}: ${(error as Error).message}`,
    );
  }
}

/** Reads and checks a word-vectors asset directory (vectors.bin and vocab.txt). */
export function readWordVectors(dir: URL = WORD_VECTORS_DIR): WordVectors {
  const bin = readAsset(dir, 'vectors.bin');
  const vocab = readAsset(dir, 'vocab.txt').toString('utf8');
  return parseWordVectors(bin, vocab, {
    bin: fileURLToPath(new URL('vectors.bin', dir)),
    vocab: fileURLToPath(new URL('vocab.txt', dir)),
  });
}

let shared: WordVectors | undefined;

/** The shipped word vectors, read on first use and kept: a router that never asks never pays. */
export function shippedWordVectors(): WordVectors {
  shared ??= readWordVectors();
  return shared;
}

let warned = false;

/**
 * The shipped word vectors, or undefined (with one process warning naming the problem) when they
 * cannot be read: routing goes on with the lexical score alone rather than failing every compile.
 */
export function shippedWordVectorsOrNone(): WordVectors | undefined {
  try {
    return shippedWordVectors();
  } catch (error) {
    if (!warned) {
      warned = true;
      process.emitWarning(`the semantic channel is off: ${(error as Error).message}`, 'SwarmRouterWarning');
    }
    return undefined;
  }
}
