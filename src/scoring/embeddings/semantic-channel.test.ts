import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AgentSentences, agentSentences, SemanticChannel } from './semantic-channel.js';
import { sentenceVector, vectorWordsOf } from './sentence-vectors.js';
import { parseWordVectors, type WordVectors } from './word-vectors.js';

/**
 * A toy vocabulary of 4 dimensions: animals along the first, vehicles along the second, food along
 * the third, and a direction every word shares (as GloVe's words do) along the fourth.
 */
const TOY: Record<string, readonly number[]> = {
  the: [0, 0, 0, 1],
  cat: [1, 0, 0, 0.5],
  kitten: [0.9, 0.1, 0, 0.5],
  dog: [0.8, 0, 0.2, 0.5],
  puppy: [0.85, 0, 0.1, 0.5],
  car: [0, 1, 0, 0.5],
  truck: [0.1, 0.9, 0, 0.5],
  engine: [0, 0.8, 0.2, 0.5],
  bread: [0, 0, 1, 0.5],
  soup: [0.1, 0, 0.9, 0.5],
  pet: [0.7, 0, 0.3, 0.5],
  vehicle: [0, 0.9, 0.1, 0.5],
};

function toyVectors(): WordVectors {
  const words = Object.keys(TOY);
  const dims = 4;
  const bin = Buffer.alloc(16 + words.length * 4 + words.length * dims);
  bin.write('SRWV', 0, 'latin1');
  bin.writeUInt32LE(1, 4);
  bin.writeUInt32LE(dims, 8);
  bin.writeUInt32LE(words.length, 12);
  words.forEach((word, w) => {
    const v = TOY[word] as readonly number[];
    const scale = Math.max(...v.map(Math.abs)) / 127;
    bin.writeFloatLE(scale, 16 + w * 4);
    v.forEach((x, d) => {
      bin.writeInt8(Math.round(x / scale), 16 + words.length * 4 + w * dims + d);
    });
  });
  return parseWordVectors(bin, `${words.join('\n')}\n`, { bin: 'toy.bin', vocab: 'toy.txt' });
}

const vectors = toyVectors();
const sentencesOf = (examples: string[], description = '', nameLine = ''): AgentSentences =>
  agentSentences({ examples, description, nameLine }, vectors);
const CONFIG = { weight: 0.5, floor: 0, nearest: 0.3, minExamples: 3, maxAgents: 10 };
const ROSTER = [
  sentencesOf(['cat', 'kitten', 'the dog', 'puppy'], 'pet'),
  sentencesOf(['car', 'truck', 'the engine'], 'vehicle'),
  sentencesOf(['bread', 'soup']), // two examples: below minExamples, keeps its lexical score
  undefined, // an agent without examples
];

describe('sentence vectors', () => {
  it('split tool-style names and skip what cannot be a word', () => {
    expect(vectorWordsOf('findCatPictures the_dog TRUCK', vectors)).toEqual([
      'find',
      'cat',
      'pictures',
      'the',
      'dog',
      'truck',
    ]);
    expect(vectorWordsOf(`cat ${'a'.repeat(41)} dog`, vectors)).toEqual(['cat', 'dog']);
  });

  it('are unit vectors, or undefined when no word is known, for any text', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200, unit: 'grapheme' }),
        fc.constantFrom('', ' cat', ' soup truck'),
        (noise, known) => {
          const v = sentenceVector(noise + known, vectors);
          if (v === undefined) {
            expect(known).toBe('');
            return;
          }
          const norm = Math.hypot(...v);
          expect(norm).toBeCloseTo(1, 5);
        },
      ),
    );
  });
});

describe('the semantic channel', () => {
  it('places a task that shares no word with any example by meaning', () => {
    const channel = SemanticChannel.build(ROSTER, vectors, CONFIG) as SemanticChannel;
    expect(channel.size).toBe(2);
    const scores = channel.fuse('a puppy', new Float64Array(4));
    expect(scores[0]).toBeGreaterThan(0);
    expect(scores[0]).toBeGreaterThan(scores[1] as number);
    // Agents not taking part keep their lexical score (0 here).
    expect(scores[2]).toBe(0);
    expect(scores[3]).toBe(0);
    const vehicles = channel.fuse('truck engine', new Float64Array(4));
    expect(vehicles[1]).toBeGreaterThan(vehicles[0] as number);
  });

  it('keeps fused scores in [0, 1] and leaves the agents not taking part alone', () => {
    const channel = SemanticChannel.build(ROSTER, vectors, CONFIG) as SemanticChannel;
    const words = Object.keys(TOY);
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...words, 'zzz'), { maxLength: 8 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (task, lexical) => {
          const fused = channel.fuse(task.join(' '), Float64Array.from(lexical));
          for (const score of fused) {
            expect(score).toBeGreaterThanOrEqual(0);
            expect(score).toBeLessThanOrEqual(1);
          }
          expect(fused[2]).toBe(lexical[2]);
          expect(fused[3]).toBe(lexical[3]);
          // At most the weight's share of a score is semantic.
          expect(fused[0]).toBeGreaterThanOrEqual((1 - CONFIG.weight) * (lexical[0] as number) - 1e-12);
        },
      ),
    );
  });

  it('is off with no weight, no agent with enough examples, or more agents than it may take', () => {
    expect(SemanticChannel.build(ROSTER, vectors, { ...CONFIG, weight: 0 })).toBeUndefined();
    expect(SemanticChannel.build(ROSTER, vectors, { ...CONFIG, minExamples: 5 })).toBeUndefined();
    expect(SemanticChannel.build(ROSTER, vectors, { ...CONFIG, maxAgents: 1 })).toBeUndefined();
  });

  it("scores a held-out example without the example in its own agent's vector", () => {
    const roster = [sentencesOf(['cat', 'kitten', 'bread soup']), sentencesOf(['car', 'truck', 'engine'])];
    const channel = SemanticChannel.build(roster, vectors, { ...CONFIG, minExamples: 3 }) as SemanticChannel;
    const lexical = new Float64Array(2);
    // "bread soup" is unlike its agent's other examples: held out, it scores lower than as a task
    // scored against the vector that contains it.
    const heldOut = Math.max(...channel.heldOutScores(lexical, 0, 2));
    const inside = Math.max(...channel.fuse('bread soup', new Float64Array(2)));
    expect(heldOut).toBeLessThan(inside);
    expect(heldOut).toBeGreaterThanOrEqual(0);
  });

  it('with the nearest example alone, matches a task its example says, but not that example held out', () => {
    const roster = [sentencesOf(['cat', 'kitten', 'bread soup']), sentencesOf(['car', 'truck', 'engine'])];
    const nearestOnly = { ...CONFIG, weight: 1, nearest: 1 };
    const channel = SemanticChannel.build(roster, vectors, nearestOnly) as SemanticChannel;
    expect(channel.fuse('bread soup', new Float64Array(2))[0]).toBeCloseTo(1, 5);
    const heldOut = channel.heldOutScores(new Float64Array(2), 0, 2)[0] as number;
    expect(heldOut).toBeLessThan(0.9);
    // The centroid alone gives the whole agent's direction, never a perfect match for one example.
    const centroidOnly = SemanticChannel.build(roster, vectors, {
      ...nearestOnly,
      nearest: 0,
    }) as SemanticChannel;
    expect(centroidOnly.fuse('bread soup', new Float64Array(2))[0]).toBeLessThan(0.9);
  });

  it('looks at the nearest example only for the 16 agents closest to the task by their vector', () => {
    const animals = Array.from({ length: 16 }, () => sentencesOf(['cat', 'kitten', 'puppy']));
    // Its vector points at food and vehicles, but one of its examples is exactly the task.
    const odd = sentencesOf(['bread', 'soup', 'truck', 'car', 'cat']);
    const channel = SemanticChannel.build([...animals, odd], vectors, {
      ...CONFIG,
      weight: 1,
      nearest: 1,
      maxAgents: 20,
    }) as SemanticChannel;
    const scores = channel.fuse('cat', new Float64Array(17));
    expect(scores[16]).toBeLessThan(0.9);
    // With fewer agents it is among the closest, and its example counts.
    const small = SemanticChannel.build([...animals.slice(0, 3), odd], vectors, {
      ...CONFIG,
      weight: 1,
      nearest: 1,
    }) as SemanticChannel;
    expect(small.fuse('cat', new Float64Array(4))[3]).toBeCloseTo(1, 5);
  });
});
