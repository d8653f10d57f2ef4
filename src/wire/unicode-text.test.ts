import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateManifestDto } from './manifest-dto.js';
import { validateRouteRequestDto } from './route-dto.js';
import { findTextFault, normalizeId, textProblem } from './unicode-text.js';

/** Strings of arbitrary UTF-16 code units: lone surrogates and U+0000 included. */
const anyUtf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)) });

/** Whether a UTF-8 round trip (what SQLite and PostgreSQL do) gives the string back unchanged. */
const survivesUtf8 = (text: string): boolean => Buffer.from(text, 'utf8').toString('utf8') === text;

describe('text from outside', () => {
  it('accepts exactly the strings that a UTF-8 store gives back unchanged, less U+0000', () => {
    fc.assert(
      fc.property(anyUtf16, (text) => {
        const acceptable = survivesUtf8(text) && !text.includes('\u0000');
        expect(textProblem(text) === undefined).toBe(acceptable);
      }),
      { numRuns: 2000 },
    );
  });

  it('names the position of a lone surrogate and of U+0000', () => {
    expect(textProblem('evil\ud800')).toBe(
      'must be well-formed Unicode (a lone surrogate U+D800 at position 4)',
    );
    expect(textProblem('\udfffx')).toMatch(/U\+DFFF at position 0/);
    expect(textProblem('a\u0000b')).toBe('must not contain U+0000 (at position 1)');
    expect(textProblem('😀 paired \ud83d\ude00')).toBeUndefined();
  });

  it('finds a bad string anywhere in a value, keys included, and names its field', () => {
    expect(findTextFault({ bids: [{ agent_id: 'ok' }, { agent_id: 'x\udc00' }] })?.field).toBe(
      'bids[1].agent_id',
    );
    expect(findTextFault({ terms: { 'k\ud800': ['fine'] } })?.field).toBe('terms."k\\ud800"');
    expect(findTextFault({ a: [[['deep\u0000']]] })?.field).toBe('a[0][0][0]');
    expect(findTextFault({ a: ['fine', { b: 'also' }], c: 1, d: null })).toBeUndefined();
  });

  it('walks deep values without recursion', () => {
    let deep: unknown = 'bottom\ud800';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findTextFault(deep)?.problem).toMatch(/lone surrogate/);
  });
});

describe('validators refuse bad text and normalise ids', () => {
  const manifest = (fields: Record<string, unknown>) => ({
    agent_id: 'a',
    agent_name: 'A',
    capabilities: [],
    keywords: [],
    rate_sats: 1,
    ...fields,
  });

  it('refuses a lone surrogate or U+0000 in any field, naming it', () => {
    expect(() => validateManifestDto(manifest({ agent_id: 'evil\ud800' }), 'body')).toThrow(
      'body: agent_id must be well-formed Unicode (a lone surrogate U+D800 at position 4)',
    );
    expect(() => validateManifestDto(manifest({ examples: ['ok', 'x\u0000'] }), 'body')).toThrow(
      'body: examples[1] must not contain U+0000',
    );
    expect(() => validateManifestDto(manifest({ unknown_field: '\udc00' }), 'body')).toThrow(
      /body: unknown_field must be well-formed Unicode/,
    );
  });

  it('stores every id in NFC: a decomposed id and its composed form are one id', () => {
    const decomposed = 'cafe\u0301';
    const dto = validateRouteRequestDto(
      {
        task_id: `t-${decomposed}`,
        description: 'caf\u00e9',
        bids: [{ agent_id: decomposed, bid_sats: 1 }],
        exclude: [decomposed],
      },
      'body',
    );
    expect(dto.bids[0]?.agent_id).toBe('caf\u00e9');
    expect(dto.exclude?.[0]).toBe('caf\u00e9');
    expect(dto.task_id).toBe('t-caf\u00e9');
    // Only ids are normalised: free text is kept as sent.
    expect(
      validateManifestDto(manifest({ agent_id: decomposed, agent_name: decomposed }), 'b').agent_name,
    ).toBe(decomposed);
    expect(normalizeId(decomposed)).toBe('caf\u00e9');
  });

  it('applies the id length limit to the normal form too', () => {
    // U+0958 has no composed form: NFC writes it as two code points.
    const grows = '\u0958'.repeat(150);
    expect(normalizeId(grows).length).toBe(300);
    expect(() => validateManifestDto(manifest({ agent_id: grows }), 'body')).toThrow(
      /body: agent_id must not be longer than 200 characters in Unicode normal form NFC/,
    );
  });
});
