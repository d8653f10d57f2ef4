import { A2A_PROTOCOL_VERSION, AgentCard } from '@a2a-js/sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouterError } from '../kernel/errors.js';
import { fromManifest, validateManifestDto } from '../wire/manifest-dto.js';
import { RATE_EXTENSION_URI, readAgentCard } from './agent-card.js';
import { manifestsOfCard } from './card-manifests.js';

/** A 1.0 card as the SDK writes one (AgentCard.toJSON), with the rate extension. */
function sdkCard(): unknown {
  return AgentCard.toJSON(
    AgentCard.fromJSON({
      name: 'Research bot',
      description: 'Finds and summarises sources',
      version: '2.1.0',
      supportedInterfaces: [
        { url: 'http://127.0.0.1:9/a2a', protocolBinding: 'JSONRPC', protocolVersion: A2A_PROTOCOL_VERSION },
      ],
      capabilities: {
        streaming: true,
        extensions: [{ uri: RATE_EXTENSION_URI, params: { rate_sats: 30, max_concurrency: 4 } }],
      },
      defaultInputModes: ['text/plain'],
      defaultOutputModes: ['text/plain'],
      skills: [
        {
          id: 'summarize',
          name: 'Summarise',
          description: 'Summarise a document',
          tags: ['summarization', 'research'],
          examples: ['Summarise this quarterly report'],
        },
        { id: 'cite', name: 'Cite sources', description: 'Find citations', tags: [] },
      ],
    }),
  );
}

/** A 0.x card: a top-level url, as 0.2 and 0.3 agents publish. */
const legacyCard = (extra: Record<string, unknown> = {}) => ({
  name: 'Old translator',
  description: 'Translates text',
  version: '0.9',
  url: 'https://agents.example/translate/rpc',
  capabilities: { streaming: false },
  defaultInputModes: ['text'],
  defaultOutputModes: ['text'],
  skills: [{ id: 'translate', name: 'Translate', description: 'Any language pair', tags: ['translation'] }],
  ...extra,
});

describe('reading an A2A agent card', () => {
  it('reads a 1.0 card written by the SDK: endpoints, streaming, the rate extension and the skills', () => {
    const card = readAgentCard(sdkCard(), 'agent_card');
    expect(card).toMatchObject({
      name: 'Research bot',
      version: '2.1.0',
      protocolVersion: '1.0',
      endpoints: [{ url: 'http://127.0.0.1:9/a2a', binding: 'JSONRPC', protocolVersion: '1.0' }],
      streaming: true,
      rate: { rateSats: 30, maxConcurrency: 4 },
    });
    expect(card.skills.map((s) => s.id)).toEqual(['summarize', 'cite']);
  });

  it('reads a minimal card, as 0.1 agents publish: a name, a url and skills', () => {
    const card = readAgentCard(
      { name: 'tiny', url: 'http://a.example/rpc', skills: [{ id: 's', name: 'S' }] },
      'c',
    );
    expect(card).toMatchObject({ name: 'tiny', description: '', protocolVersion: '0.3', streaming: false });
    expect(card.skills[0]).toEqual({ id: 's', name: 'S', description: '', tags: [], examples: [] });
  });

  it.each([
    { shape: '0.3', extra: { protocolVersion: '0.3.0', preferredTransport: 'JSONRPC' }, version: '0.3.0' },
    { shape: '0.2.5', extra: { protocolVersion: '0.2.5' }, version: '0.2.5' },
    { shape: 'without protocolVersion', extra: {}, version: '0.3' },
  ])('reads a $shape card from its url', ({ extra, version }) => {
    const card = readAgentCard(legacyCard(extra), 'card.json');
    expect(card.protocolVersion).toBe(version);
    expect(card.endpoints[0]?.url).toBe('https://agents.example/translate/rpc');
    // The SDK's client reaches 0.x agents with 0.3's methods.
    expect(card.endpoints[0]?.protocolVersion).toMatch(/^0\.3/);
    expect(card.rate).toBeUndefined();
    expect(card.card.supportedInterfaces.length).toBeGreaterThan(0);
  });

  // A card as parsed JSON, loose enough to be edited into a bad one.
  type Skill = { id: string; tags: unknown[] };
  type EditableCard = {
    name: unknown;
    skills: [Skill, Skill];
    supportedInterfaces: [{ url: string }];
    capabilities: { extensions: [{ params: Record<string, unknown> }] };
  };
  const refusals: { what: string; edit: (card: EditableCard) => unknown; says: RegExp }[] = [
    {
      what: 'no skills',
      edit: (c) => Reflect.deleteProperty(c, 'skills'),
      says: /agent_card: skills|must have required property 'skills'/,
    },
    {
      what: 'an empty skill list',
      edit: (c) => Reflect.set(c, 'skills', []),
      says: /skills must NOT have fewer than 1 items/,
    },
    {
      what: 'a tag that is not text',
      edit: (c) => (c.skills[1].tags = ['ok', 7]),
      says: /skills\[1\]\.tags\[1\]/,
    },
    {
      what: 'a skill id used twice',
      edit: (c) => (c.skills[1].id = 'summarize'),
      says: /skills\[1\]\.id 'summarize' is already the id of skills\[0\]/,
    },
    {
      what: 'a skill id used twice, once decomposed (the entry ids are NFC)',
      edit: (c) => {
        c.skills[0].id = 'r\u00e9sum\u00e9';
        c.skills[1].id = 're\u0301sume\u0301';
      },
      says: /skills\[1\]\.id '.+' is already the id of skills\[0\]/,
    },
    { what: 'a skill id with a colon', edit: (c) => (c.skills[0].id = 'a:b'), says: /skills\[0\]\.id/ },
    {
      what: 'a skill id with a control character (no API request could name its entry)',
      edit: (c) => (c.skills[0].id = 'a\u0085b'),
      says: /skills\[0\]\.id/,
    },
    {
      what: 'no way to reach the agent',
      edit: (c) => Reflect.deleteProperty(c, 'supportedInterfaces'),
      says: /supportedInterfaces is required \(or, in a 0\.x card, url\)/,
    },
    {
      what: 'an endpoint that is not http',
      edit: (c) => (c.supportedInterfaces[0].url = 'file:///etc/passwd'),
      says: /supportedInterfaces\[0\]\.url must be an http or https URL/,
    },
    {
      what: 'a relative endpoint',
      edit: (c) => (c.supportedInterfaces[0].url = '/a2a'),
      says: /supportedInterfaces\[0\]\.url must be an absolute URL/,
    },
    {
      what: 'a negative rate',
      edit: (c) => (c.capabilities.extensions[0].params.rate_sats = -1),
      says: /capabilities\.extensions\[0\]\.params: rate_sats must be >= 0/,
    },
    {
      what: 'a rate given as text',
      edit: (c) => (c.capabilities.extensions[0].params.rate_sats = '30'),
      says: /params: rate_sats must be integer/,
    },
    { what: 'a name that is a number', edit: (c) => (c.name = 5), says: /name must be string/ },
  ];
  it.each(refusals)('refuses a card with $what, naming the field', ({ edit, says }) => {
    const card = sdkCard() as EditableCard;
    edit(card);
    expect(() => readAgentCard(card, 'agent_card')).toThrow(says);
  });

  it('refuses anything that is not a card with invalid_request, never another error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          readAgentCard(value, 'agent_card');
          readAgentCard({ ...legacyCard(), capabilities: value }, 'agent_card');
          readAgentCard(
            { name: 'x', url: 'http://a.example/', skills: [{ id: 's', name: 'S', tags: value }] },
            'agent_card',
          );
        } catch (error) {
          expect(error).toBeInstanceOf(RouterError);
          expect((error as RouterError).code).toBe('invalid_request');
        }
      }),
    );
  });
});

describe('the roster entries of a card', () => {
  it('are one per skill, named agent:skill, with the card rate or the default', () => {
    const entries = manifestsOfCard('research', readAgentCard(sdkCard(), 'c'), { where: 'c' });
    expect(entries.map((e) => e.agentId)).toEqual(['research:summarize', 'research:cite']);
    expect(entries[0]).toMatchObject({
      agentName: 'Research bot: Summarise',
      capabilities: ['summarization', 'research'],
      rateSats: 30,
      maxConcurrency: 4,
      examples: ['Summarise this quarterly report'],
    });
    // A skill without tags is routed by its id, description and name.
    expect(entries[1]?.capabilities).toEqual(['cite']);
    const legacy = manifestsOfCard('old', readAgentCard(legacyCard(), 'c'), {
      where: 'c',
      defaultRateSats: 12,
    });
    expect(legacy[0]?.rateSats).toBe(12);
  });

  it('name a skill whose card spells its id decomposed in NFC, and tell the agent its own spelling', () => {
    const card = sdkCard() as { skills: { id: string }[] };
    (card.skills[0] as { id: string }).id = 're\u0301sume\u0301';
    const [entry] = manifestsOfCard('research', readAgentCard(card, 'c'), { where: 'c' });
    expect(entry?.agentId).toBe('research:r\u00e9sum\u00e9');
    expect(entry?.a2a?.skill).toBe('re\u0301sume\u0301');
  });

  it('are valid manifests for any card that reads', () => {
    const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });
    const skill = fc.record({
      id: fc.stringMatching(/^[a-z0-9_.-]{1,40}$/),
      name: text(60).filter((t) => t.length > 0),
      description: text(200),
      tags: fc.array(text(30), { maxLength: 8 }),
      examples: fc.array(text(80), { maxLength: 5 }),
    });
    let read = 0;
    fc.assert(
      fc.property(
        fc.uniqueArray(skill, { minLength: 1, maxLength: 12, selector: (s) => s.id }),
        text(150).filter((t) => t.length > 0),
        (skills, name) => {
          let card: ReturnType<typeof readAgentCard>;
          try {
            card = readAgentCard({ ...legacyCard(), name, skills }, 'c');
          } catch (error) {
            // Control characters and lone surrogates are refused at the edge, as everywhere.
            expect((error as RouterError).code).toBe('invalid_request');
            return;
          }
          read++;
          const entries = manifestsOfCard('agent-1', card, { where: 'c' });
          expect(new Set(entries.map((e) => e.agentId)).size).toBe(skills.length);
          for (const entry of entries)
            expect(() => validateManifestDto(fromManifest(entry), 'entry')).not.toThrow();
        },
      ),
    );
    // Most generated cards are readable: the property was not checked on refusals alone.
    expect(read).toBeGreaterThan(50);
  });
});
