import { describe, expect, it } from 'vitest';
import { RouterError } from '../kernel/errors.js';
import { fromManifest, type ManifestDto, toManifest, toRoster, validateManifestDto } from './manifest-dto.js';

const valid: ManifestDto = {
  agent_id: 'forge-1',
  agent_name: 'Forge',
  capabilities: [' coding ', 'debugging'],
  keywords: ['fix', 'fix', 'bug'],
  rate_sats: 55,
};

function errorOf(value: unknown): string {
  try {
    toManifest(validateManifestDto(value, 'm.json'), 'm.json');
  } catch (error) {
    expect(error).toBeInstanceOf(RouterError);
    return (error as Error).message;
  }
  throw new Error('expected the manifest to be refused');
}

describe('manifest validation at the edge', () => {
  it.each([
    { change: { agent_id: '' }, message: 'm.json: agent_id must NOT have fewer than 1 characters (got "")' },
    {
      change: { agent_id: 'x'.repeat(201) },
      message: /^m\.json: agent_id must NOT have more than 200 characters/,
    },
    { change: { agent_id: 'bad\nid' }, message: 'm.json: agent_id must not contain control characters' },
    { change: { agent_id: 'bad\u0085id' }, message: 'm.json: agent_id must not contain control characters' },
    { change: { agent_id: 7 }, message: 'm.json: agent_id must be string (got 7)' },
    { change: { agent_name: undefined }, message: 'm.json: agent_name is required' },
    { change: { capabilities: 'coding' }, message: 'm.json: capabilities must be array (got "coding")' },
    { change: { keywords: ['ok', 3] }, message: 'm.json: keywords[1] must be string (got 3)' },
    {
      change: { keywords: ['ok', '   '] },
      message: 'm.json: keywords[1] must be a non-empty string (got "   ")',
    },
    {
      change: { capabilities: [''] },
      message: 'm.json: capabilities[0] must be a non-empty string (got "")',
    },
    { change: { rate_sats: -1 }, message: 'm.json: rate_sats must be >= 0 (got -1)' },
    { change: { rate_sats: 2.5 }, message: 'm.json: rate_sats must be integer (got 2.5)' },
    { change: { max_concurrency: 0 }, message: 'm.json: max_concurrency must be >= 1 (got 0)' },
    { change: { examples: [1] }, message: 'm.json: examples[0] must be string (got 1)' },
    { change: { colour: 'blue' }, message: 'm.json: colour is not a known field' },
  ])('refuses $change', ({ change, message }) => {
    const candidate = { ...valid, ...change } as Record<string, unknown>;
    for (const [k, v] of Object.entries(change)) if (v === undefined) delete candidate[k];
    const got = errorOf(candidate);
    if (typeof message === 'string') expect(got).toBe(message);
    else expect(got).toMatch(message);
  });

  it('trims tags and keeps their order and duplicates', () => {
    const manifest = toManifest(validateManifestDto(valid, 'm.json'), 'm.json');
    expect(manifest.capabilities).toEqual(['coding', 'debugging']);
    expect(manifest.keywords).toEqual(['fix', 'fix', 'bug']);
  });

  it('maps to the core type and back', () => {
    const full: ManifestDto = {
      ...valid,
      capabilities: ['coding'],
      description: 'd',
      examples: ['e'],
      max_concurrency: 3,
    };
    expect(fromManifest(toManifest(validateManifestDto(full, 'm'), 'm'))).toEqual(full);
  });

  it('accepts the persona file fields and refuses an agent id defined twice in a roster', () => {
    const persona = { ...valid, role: 'Code Smith', bid_base: 38, bid_jitter: 17 };
    expect(() => validateManifestDto(persona, 'p')).not.toThrow();
    expect(() => toRoster({ agents: [valid, valid] }, 'r.json')).toThrow(
      "r.json: agents[1].agent_id 'forge-1' is already defined by agents[0]",
    );
  });
});
