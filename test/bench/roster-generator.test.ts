import { describe, expect, it } from 'vitest';
import {
  generateAgent,
  generateRoster,
  type RosterShape,
  TAG_VOCABULARY,
  taskFor,
} from '../../bench/roster-generator.js';
import { seededRandom } from '../../src/kernel/seeded-random.js';
import { toManifest, validateManifestDto } from '../../src/wire/manifest-dto.js';

const SHAPES: readonly RosterShape[] = ['agents', 'tools'];

describe('roster generator', () => {
  it.each(SHAPES)('%s: the same seed gives the same roster, another seed another', (shape) => {
    expect(generateRoster(shape, 50, 7)).toEqual(generateRoster(shape, 50, 7));
    expect(generateRoster(shape, 50, 8)).not.toEqual(generateRoster(shape, 50, 7));
  });

  it.each(SHAPES)('%s: a smaller roster is the start of a larger one', (shape) => {
    expect(generateRoster(shape, 2_000, 1).slice(0, 300)).toEqual(generateRoster(shape, 300, 1));
  });

  it.each(SHAPES)('%s: every manifest passes the service validation, ids are unique', (shape) => {
    const roster = generateRoster(shape, 2_000, 3);
    for (const [i, dto] of roster.entries())
      toManifest(validateManifestDto(structuredClone(dto), `agents[${i}]`), `agents[${i}]`);
    expect(new Set(roster.map((a) => a.agent_id)).size).toBe(roster.length);
  });

  it('agents carry several tags, a description and 10 examples', () => {
    for (const agent of generateRoster('agents', 200, 5)) {
      expect(agent.capabilities.length).toBeGreaterThanOrEqual(2);
      expect(agent.capabilities.length).toBeLessThanOrEqual(5);
      expect(agent.examples).toHaveLength(10);
      expect(agent.description?.length).toBeGreaterThan(0);
    }
  });

  it('tools carry one tag and a one-line description, no examples', () => {
    for (const tool of generateRoster('tools', 200, 5)) {
      expect(tool.capabilities).toHaveLength(1);
      expect(tool.examples).toBeUndefined();
      expect(tool.description).not.toContain('\n');
    }
  });

  it('tags come from a vocabulary of a few hundred, and a large roster uses most of it', () => {
    expect(TAG_VOCABULARY.length).toBeGreaterThanOrEqual(300);
    const used = new Set(generateRoster('agents', 2_000, 9).flatMap((a) => a.capabilities));
    for (const tag of used) expect(TAG_VOCABULARY).toContain(tag);
    expect(used.size).toBeGreaterThan(TAG_VOCABULARY.length * 0.9);
  });

  it('a task for an agent names one of its domains', () => {
    const agent = generateAgent('agents', 4, 17);
    const task = taskFor(agent, seededRandom(1));
    const domains = agent.capabilities.map((t) => t.split('-')[0] as string);
    expect(domains.some((d) => task.includes(d))).toBe(true);
  });
});
