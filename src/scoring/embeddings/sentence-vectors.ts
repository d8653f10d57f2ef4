import { sifWeight, type WordVectors } from './word-vectors.js';

/**
 * Sentences as word vectors see them: a text's words, looked up as the vectors spell them, summed
 * with smooth-inverse-frequency weights (Arora, Liang & Ma 2017). The analyzer's stems are not used:
 * the vectors know "running", not "run".
 */

const WORD = /[\p{L}\p{M}\p{N}]+(?:[-'’][\p{L}\p{M}\p{N}]+)*/gu;
const CASE_OR_UNDERSCORE = /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})|_/u;
/** Words longer than this are not words (a hash, a base64 blob): skipped before any lookup. */
const LONGEST_WORD = 40;

/**
 * Lower-case words as the vectors know them: camelCase and snake_case split (tool names), a hyphenated
 * or apostrophe compound kept whole when the vocabulary has it, else split into its parts.
 */
export function vectorWordsOf(text: string, vectors: WordVectors): string[] {
  const out: string[] = [];
  for (const match of text.normalize('NFKC').matchAll(WORD)) {
    for (const piece of match[0].split(CASE_OR_UNDERSCORE)) {
      if (piece.length === 0 || piece.length > LONGEST_WORD) continue;
      const word = piece.toLowerCase().replace(/’/g, "'");
      if (vectors.rankOf(word) !== undefined || !/[-']/.test(word)) out.push(word);
      else for (const part of word.split(/[-']/)) if (part !== '') out.push(part);
    }
  }
  return out;
}

/** The SIF-weighted sum of a text's known words as a unit vector, or undefined when none is known. */
export function sentenceVector(text: string, vectors: WordVectors): Float32Array | undefined {
  const sum = new Float32Array(vectors.dims);
  let known = false;
  for (const word of vectorWordsOf(text, vectors)) {
    const rank = vectors.rankOf(word);
    if (rank !== undefined && vectors.addTo(word, sifWeight(rank), sum)) known = true;
  }
  return known ? normalised(sum) : undefined;
}

/** `v` scaled to length 1, in place (left as is when all zeros). */
export function normalised(v: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += (v[i] as number) * (v[i] as number);
  if (norm === 0) return v;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) * scale;
  return v;
}

/** into += scale × v. */
export function addScaled(into: Float32Array, v: Float32Array, scale = 1): void {
  for (let i = 0; i < into.length; i++) into[i] = (into[i] as number) + (v[i] as number) * scale;
}
