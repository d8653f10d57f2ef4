import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentManifest } from '../../manifest/manifest.js';
import { DEFAULT_SEMANTIC_CONFIG } from './semantic-channel.js';
import { SemanticSentences } from './semantic-sentences.js';
import { parseWordVectors, type WordVectors } from './word-vectors.js';

/** Two words of two dimensions: enough for sentence vectors, cheap to read at any length. */
function tinyVectors(): WordVectors {
  const bin = Buffer.alloc(16 + 2 * 4 + 2 * 2);
  bin.write('SRWV', 0, 'latin1');
  bin.writeUInt32LE(1, 4);
  bin.writeUInt32LE(2, 8);
  bin.writeUInt32LE(2, 12);
  bin.writeFloatLE(1 / 127, 16);
  bin.writeFloatLE(1 / 127, 20);
  bin.writeInt8(127, 24);
  bin.writeInt8(127, 27);
  return parseWordVectors(bin, 'cat\ncar\n', { bin: 'tiny.bin', vocab: 'tiny.txt' });
}

const vectors = tinyVectors();

/** The manifest limits of the wire (wire/manifest-dto.ts): 100 examples of 2,000 characters. */
const longText = (length: number) => 'cat car '.repeat(Math.ceil(length / 8)).slice(0, length);

function agentOf(id: number, examples: number, exampleLength: number, descriptionLength: number) {
  return {
    agentId: `agent-${id}`,
    agentName: `agent-${id}`,
    capabilities: ['pets'],
    keywords: [],
    rateSats: 1,
    description: longText(descriptionLength),
    examples: Array.from({ length: examples }, () => longText(exampleLength)),
  } satisfies AgentManifest;
}

const textOf = (agent: AgentManifest) =>
  (agent.description?.length ?? 0) + (agent.examples ?? []).reduce((sum, e) => sum + e.length, 0);

describe('semantic sentences', () => {
  it('pause by the text they read, not only by agents: twenty manifests at the limits are not one piece', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            examples: fc.integer({ min: 3, max: 100 }),
            exampleLength: fc.integer({ min: 3, max: 2_000 }),
            descriptionLength: fc.integer({ min: 0, max: 10_000 }),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        (shapes) => {
          const agents = shapes.map((s, i) => agentOf(i, s.examples, s.exampleLength, s.descriptionLength));
          const steps = new SemanticSentences(() => vectors, DEFAULT_SEMANTIC_CONFIG).channelOf(agents);
          let pauses = 0;
          let next = steps.next();
          while (next.done !== true) {
            pauses++;
            next = steps.next();
          }
          expect(next.value?.size).toBe(agents.length);
          // Between two pauses: at most 50,000 characters and the one agent that crossed the line.
          const total = agents.reduce((sum, a) => sum + textOf(a), 0);
          const largest = Math.max(...agents.map(textOf));
          expect(pauses).toBeGreaterThanOrEqual(Math.floor(total / (50_000 + largest)));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('pause within one manifest at the wire’s limits: 210,000 characters are not one piece', () => {
    const steps = new SemanticSentences(() => vectors, DEFAULT_SEMANTIC_CONFIG).channelOf([
      agentOf(0, 100, 2_000, 10_000),
    ]);
    let pauses = 0;
    let next = steps.next();
    while (next.done !== true) {
      pauses++;
      next = steps.next();
    }
    expect(next.value?.size).toBe(1);
    // A pause after every 50,000 characters of its examples.
    expect(pauses).toBeGreaterThanOrEqual(4);
  });
});
