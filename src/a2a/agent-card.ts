import { AgentCard } from '@a2a-js/sdk';
import { isLegacyAgentCard, parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import { type Static, Type } from '@sinclair/typebox';
import { RouterError } from '../kernel/errors.js';
import type { A2aEndpoint } from '../manifest/manifest.js';
import { ID_NORMAL_FORM } from '../wire/unicode-text.js';
import { compileValidator } from '../wire/validate.js';

/**
 * An A2A Agent Card as swarm-router reads it: the fields routing and dispatch use are checked here,
 * once, with errors that name the field; the card is then normalised to the protocol's 1.0 shape by
 * the SDK (whose own reader coerces rather than refuses: a name of 5 becomes "5"). Both shapes are
 * read: 1.0 cards list `supportedInterfaces`, 0.x cards a top-level `url` (with `protocolVersion`,
 * `preferredTransport` and `additionalInterfaces` from 0.2.5 on). Fields not used are let through.
 */

/** The extension by which a card states its price and how many tasks it takes at once. */
export const RATE_EXTENSION_URI = 'urn:swarm-router:extension:rate:v1';

/** Skills one card may declare: each becomes a routable entry. */
export const MAX_SKILLS_PER_CARD = 200;

const Text = (maxLength: number) => Type.String({ maxLength });

const SkillSchema = Type.Object({
  // Part of the entry id `<agent>:<skill>`, which, as every id, holds no control character.
  id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\s:/#\\u0000-\\u001F\\u007F-\\u009F]+$' }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Text(10_000)),
  tags: Type.Optional(Type.Array(Text(200), { maxItems: 100 })),
  examples: Type.Optional(Type.Array(Text(2_000), { maxItems: 100 })),
});

const InterfaceSchema = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2_000 }),
  protocolBinding: Type.String({ minLength: 1, maxLength: 100 }),
  protocolVersion: Type.String({ minLength: 1, maxLength: 20 }),
});

const ExtensionSchema = Type.Object({
  uri: Type.String({ minLength: 1, maxLength: 2_000 }),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

const CardSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Text(10_000)),
  version: Type.Optional(Text(100)),
  protocolVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
  url: Type.Optional(Type.String({ minLength: 1, maxLength: 2_000 })),
  supportedInterfaces: Type.Optional(Type.Array(InterfaceSchema, { minItems: 1, maxItems: 20 })),
  capabilities: Type.Optional(
    Type.Object({
      streaming: Type.Optional(Type.Boolean()),
      extensions: Type.Optional(Type.Array(ExtensionSchema, { maxItems: 50 })),
    }),
  ),
  skills: Type.Array(SkillSchema, { minItems: 1, maxItems: MAX_SKILLS_PER_CARD }),
});

const RateParamsSchema = Type.Object({
  rate_sats: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  max_concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
});

const validateCard = compileValidator(CardSchema);
const validateRateParams = compileValidator(RateParamsSchema);

export interface CardSkill {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly examples: readonly string[];
}

/** What swarm-router keeps of a card: enough to route to its skills and to reach the agent. */
export interface ReadAgentCard {
  readonly name: string;
  readonly description: string;
  readonly version: string;
  /** The shape it was published in: '1.0', or the 0.x version it gave ('0.3' when it gave none). */
  readonly protocolVersion: string;
  /** Where the agent answers, preferred first, as the card lists them, with the protocol spoken there. */
  readonly endpoints: readonly A2aEndpoint[];
  readonly streaming: boolean;
  /** From the rate extension; absent when the card does not carry it. */
  readonly rate?: { readonly rateSats: number; readonly maxConcurrency?: number };
  readonly skills: readonly CardSkill[];
  /** The card in the protocol's 1.0 form, as the SDK's client takes it. */
  readonly card: AgentCard;
}

function invalidCard(where: string, field: string, problem: string): RouterError {
  return new RouterError('invalid_request', `${where}: ${field} ${problem}`, { details: { where, field } });
}

/** An absolute http(s) URL, or an error naming the field. */
function checkEndpointUrl(url: string, where: string, field: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidCard(where, field, `must be an absolute URL (got ${JSON.stringify(url.slice(0, 100))})`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalidCard(where, field, `must be an http or https URL (got ${parsed.protocol})`);
  }
}

/**
 * Reads a card (parsed JSON) or throws `invalid_request` naming the field at fault, e.g.
 * `agent_card: skills[2].tags[0] must be string`. `where` names where the card came from.
 */
export function readAgentCard(raw: unknown, where: string): ReadAgentCard {
  const checked = validateCard(raw, where);
  if (checked.supportedInterfaces === undefined && checked.url === undefined) {
    throw invalidCard(where, 'supportedInterfaces', 'is required (or, in a 0.x card, url)');
  }
  if (checked.supportedInterfaces !== undefined) {
    for (const [i, endpoint] of checked.supportedInterfaces.entries()) {
      checkEndpointUrl(endpoint.url, where, `supportedInterfaces[${i}].url`);
    }
  } else {
    checkEndpointUrl(checked.url as string, where, 'url');
  }
  // Compared as the entry ids they make (card-manifests.ts), in NFC.
  const seen = new Map<string, number>();
  for (const [i, skill] of checked.skills.entries()) {
    const normal = skill.id.normalize(ID_NORMAL_FORM);
    const earlier = seen.get(normal);
    if (earlier !== undefined) {
      throw invalidCard(where, `skills[${i}].id`, `'${skill.id}' is already the id of skills[${earlier}]`);
    }
    seen.set(normal, i);
  }
  const legacy = checked.supportedInterfaces === undefined || isLegacyAgentCard(raw);
  const card = normalisedCard(checked, legacy, where);
  return {
    name: checked.name,
    description: checked.description ?? '',
    version: checked.version ?? '',
    protocolVersion: legacy ? (checked.protocolVersion ?? '0.3') : '1.0',
    endpoints: card.supportedInterfaces.map((e) => ({
      url: e.url,
      binding: e.protocolBinding,
      // The SDK's client speaks 1.0, and 0.3 to older agents; 0.2 agents answer 0.3's methods.
      protocolVersion: legacy && e.protocolVersion < '0.3' ? '0.3' : e.protocolVersion,
    })),
    streaming: checked.capabilities?.streaming === true,
    ...rateOf(checked, where),
    skills: checked.skills.map((skill) => ({
      id: skill.id,
      name: skill.name,
      description: skill.description ?? '',
      tags: skill.tags ?? [],
      examples: skill.examples ?? [],
    })),
    card,
  };
}

/**
 * The card in the 1.0 form, by the SDK. Its 0.x reader requires fields that 0.1 cards and many
 * published ones leave out and routing does not need (modes, capabilities, a skill's tags): they are
 * given their empty or documented defaults first. Anything the SDK still refuses is the card's fault.
 */
function normalisedCard(checked: Static<typeof CardSchema>, legacy: boolean, where: string): AgentCard {
  const raw = checked as Record<string, unknown>;
  const completed = {
    ...raw,
    capabilities: checked.capabilities ?? {},
    defaultInputModes: raw.defaultInputModes ?? ['text/plain'],
    defaultOutputModes: raw.defaultOutputModes ?? ['text/plain'],
    skills: checked.skills.map((skill) => ({
      ...skill,
      tags: skill.tags ?? [],
      description: skill.description ?? '',
    })),
  };
  try {
    return legacy ? parseLegacyAgentCard(completed) : AgentCard.fromJSON(completed);
  } catch (error) {
    throw new RouterError('invalid_request', `${where}: ${(error as Error).message}`, {
      details: { where, field: '' },
    });
  }
}

function rateOf(card: Static<typeof CardSchema>, where: string): Pick<ReadAgentCard, 'rate'> {
  const extensions = card.capabilities?.extensions ?? [];
  const index = extensions.findIndex((e) => e.uri === RATE_EXTENSION_URI);
  if (index < 0) return {};
  const params = validateRateParams(
    extensions[index]?.params ?? {},
    `${where}: capabilities.extensions[${index}].params`,
  );
  return {
    rate: {
      rateSats: params.rate_sats,
      ...(params.max_concurrency === undefined ? {} : { maxConcurrency: params.max_concurrency }),
    },
  };
}
