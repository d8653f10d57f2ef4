import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouterError } from '../kernel/errors.js';
import { fromManifest, validateManifestDto } from '../wire/manifest-dto.js';
import { MAX_TOOLS_PER_SERVER, readToolList, readToolPage } from './tool-list.js';
import { manifestsOfTools, wordsOfToolName } from './tool-manifests.js';

/** A tool as an SDK server lists it: schemas and hints beside what routing reads. */
const forecastTool = {
  name: 'get_forecast',
  title: 'Weather forecast',
  description: 'The weather forecast for a city, day by day',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  annotations: { title: 'Forecast', readOnlyHint: true, openWorldHint: true },
  execution: { taskSupport: 'forbidden' },
};

describe('reading a tool list', () => {
  it('keeps name, title (or the annotations’ title) and description, and ignores the rest', () => {
    const tools = readToolList(
      { tools: [forecastTool, { name: 'alerts', annotations: { title: 'Alerts' }, inputSchema: {} }] },
      'tools.json',
    );
    expect(tools).toEqual([
      {
        name: 'get_forecast',
        title: 'Weather forecast',
        description: 'The weather forecast for a city, day by day',
      },
      { name: 'alerts', title: 'Alerts', description: '' },
    ]);
    // A tool's schemas are not read: text in them that routing refuses elsewhere does not matter here.
    expect(() =>
      readToolList({ tools: [{ name: 'x', inputSchema: { description: 'a\u0000b' } }] }, 'w'),
    ).not.toThrow();
  });

  it('reads a page with its cursor, naming tools by their place in the whole list', () => {
    const page = readToolPage({ tools: [forecastTool], nextCursor: 'p2' }, 'server', 40);
    expect(page.nextCursor).toBe('p2');
    expect(() => readToolPage({ tools: [{ name: 'a:b' }] }, 'server', 40)).toThrow(
      /server: tools\[40\]\.name/,
    );
  });

  const refusals: { what: string; list: unknown; says: RegExp }[] = [
    { what: 'no tools field', list: {}, says: /w: tools is required/ },
    { what: 'tools that are not a list', list: { tools: 'x' }, says: /w: tools must be array/ },
    {
      what: 'a tool without a name',
      list: { tools: [{ description: 'd' }] },
      says: /w: tools\[0\]\.name is required/,
    },
    {
      what: 'an empty name',
      list: { tools: [{ name: '' }] },
      says: /tools\[0\]\.name must NOT have fewer than 1/,
    },
    { what: 'a blank name', list: { tools: [{ name: '  ' }] }, says: /tools\[0\]\.name must not be blank/ },
    {
      what: 'a name over 128 characters',
      list: { tools: [{ name: 'n'.repeat(129) }] },
      says: /tools\[0\]\.name must NOT have more than 128/,
    },
    {
      what: 'a name with a colon',
      list: { tools: [{ name: 'ok' }, { name: 'files:read' }] },
      says: /tools\[1\]\.name 'files:read' contains ':'/,
    },
    {
      what: 'a name with a control character',
      list: { tools: [{ name: 'a\u0007b' }] },
      says: /tools\[0\]\.name must not contain control characters/,
    },
    {
      what: 'two tools of one name',
      list: { tools: [{ name: 'caf\u00e9' }, { name: 'cafe\u0301' }] },
      says: /tools\[1\]\.name '.+' is already the name of tools\[0\]/,
    },
    {
      what: 'a description over 10,000 characters',
      list: { tools: [{ name: 'x', description: 'd'.repeat(10_001) }] },
      says: /tools\[0\]\.description must NOT have more than 10000/,
    },
    {
      what: 'a description that is not text',
      list: { tools: [{ name: 'x', description: 7 }] },
      says: /tools\[0\]\.description must be string/,
    },
    {
      what: 'annotations that are not an object',
      list: { tools: [{ name: 'x', annotations: [] }] },
      says: /tools\[0\]\.annotations must be object/,
    },
    {
      what: 'too many tools',
      list: { tools: Array.from({ length: MAX_TOOLS_PER_SERVER + 1 }, (_, i) => ({ name: `t${i}` })) },
      says: /w: tools lists 2001 tools; a server may list at most 2000/,
    },
    {
      what: 'a cursor that is not text',
      list: { tools: [], nextCursor: 3 },
      says: /nextCursor must be string/,
    },
  ];
  it.each(refusals)('refuses $what, naming the field', ({ list, says }) => {
    expect(() => readToolList(list, 'w')).toThrow(says);
  });

  it('answers any JSON with tools or invalid_request, never another error', () => {
    const tool = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          name: fc.oneof(fc.string({ maxLength: 140 }), fc.jsonValue()),
          title: fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue()),
          description: fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue()),
          annotations: fc.oneof(fc.record({ title: fc.jsonValue() }, { requiredKeys: [] }), fc.jsonValue()),
          inputSchema: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
    );
    const wellFormed = fc.record(
      {
        name: fc.string({ minLength: 1, maxLength: 60, unit: 'grapheme' }),
        title: fc.string({ maxLength: 40, unit: 'grapheme' }),
        description: fc.string({ maxLength: 200, unit: 'grapheme' }),
      },
      { requiredKeys: ['name'] },
    );
    const list = fc.oneof(
      fc.jsonValue(),
      fc.record({ tools: fc.array(wellFormed, { maxLength: 8 }) }),
      fc.record(
        { tools: fc.array(tool, { maxLength: 8 }), nextCursor: fc.jsonValue() },
        { requiredKeys: ['tools'] },
      ),
    );
    let read = 0;
    fc.assert(
      fc.property(list, (value) => {
        let tools: ReturnType<typeof readToolList>;
        try {
          tools = readToolList(value, 'w');
        } catch (error) {
          expect(error).toBeInstanceOf(RouterError);
          expect((error as RouterError).code).toBe('invalid_request');
          return;
        }
        read++;
        // What reads maps to valid, distinct entries.
        const entries = manifestsOfTools('server-1', tools, { where: 'w' });
        expect(new Set(entries.map((e) => e.agentId)).size).toBe(tools.length);
        for (const entry of entries)
          expect(() => validateManifestDto(fromManifest(entry), 'e')).not.toThrow();
      }),
      { numRuns: 500 },
    );
    expect(read).toBeGreaterThan(10);
  });
});

describe('the roster entries of a tool list', () => {
  it('are one per tool, server:tool, capabilities from the name’s words', () => {
    const entries = manifestsOfTools(
      'weather',
      readToolList({ tools: [forecastTool, { name: 'listAlerts' }] }, 'w'),
      {
        where: 'w',
        rateSats: 3,
        reach: {
          target: { transport: 'http', url: 'http://127.0.0.1:1/mcp' },
          serverName: 'Weather',
          serverVersion: '1.0.0',
        },
      },
    );
    expect(entries[0]).toEqual({
      agentId: 'weather:get_forecast',
      agentName: 'Weather forecast',
      capabilities: ['get', 'forecast'],
      keywords: [],
      rateSats: 3,
      description: 'Weather forecast — The weather forecast for a city, day by day',
      mcp: {
        transport: 'http',
        url: 'http://127.0.0.1:1/mcp',
        server: 'weather',
        tool: 'get_forecast',
        title: 'Weather forecast',
        serverName: 'Weather',
        serverVersion: '1.0.0',
      },
    });
    expect(entries[1]).toMatchObject({
      agentId: 'weather:listAlerts',
      agentName: 'listAlerts',
      capabilities: ['list', 'alerts'],
    });
    expect(entries[1]?.description).toBeUndefined();
  });

  it('split names in camelCase, snake_case, kebab-case and dotted forms', () => {
    expect(wordsOfToolName('getWeatherForecast')).toEqual(['get', 'weather', 'forecast']);
    expect(wordsOfToolName('HTTPRequest')).toEqual(['http', 'request']);
    expect(wordsOfToolName('files.read-text_v2')).toEqual(['files', 'read', 'text', 'v2']);
    expect(wordsOfToolName('search_search')).toEqual(['search']);
    expect(wordsOfToolName('+++')).toEqual(['+++']);
  });

  it('refuse a tool whose entry id would be over 200 characters, naming it', () => {
    const tools = readToolList({ tools: [{ name: 'ok' }, { name: 't'.repeat(128) }] }, 'w');
    expect(() => manifestsOfTools('s'.repeat(80), tools, { where: 'mcp_url (x)' })).toThrow(
      /mcp_url \(x\): tools\[1\]\.name 'tttt.*' makes the entry id .* longer than 200 characters/,
    );
  });
});
