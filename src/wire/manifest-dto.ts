import { type Static, Type } from '@sinclair/typebox';
import { RouterError } from '../kernel/errors.js';
import type { AgentManifest } from '../manifest/manifest.js';
import { AgentIdSchema } from './id-schemas.js';
import { compileValidator } from './validate.js';

export { AgentIdSchema, NO_CONTROL_CHARACTERS } from './id-schemas.js';

const TagList = Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 });

/** A capability manifest on the wire (snake_case, as in the seed). */
export const ManifestDtoSchema = Type.Object(
  {
    agent_id: AgentIdSchema,
    agent_name: Type.String({ minLength: 1, maxLength: 200 }),
    capabilities: TagList,
    keywords: TagList,
    rate_sats: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    examples: Type.Optional(Type.Array(Type.String({ maxLength: 2_000 }), { maxItems: 100 })),
    max_concurrency: Type.Optional(Type.Integer({ minimum: 1 })),
    // Carried by ../shared/personas.json; accepted so that file works as a roster, otherwise unused.
    role: Type.Optional(Type.String()),
    bid_base: Type.Optional(Type.Number()),
    bid_jitter: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type ManifestDto = Static<typeof ManifestDtoSchema>;

export const RosterFileSchema = Type.Object(
  { agents: Type.Array(ManifestDtoSchema) },
  { additionalProperties: false },
);
export type RosterFile = Static<typeof RosterFileSchema>;

export const validateManifestDto = compileValidator(ManifestDtoSchema);
export const validateRosterFile = compileValidator(RosterFileSchema);

/**
 * Maps a schema-valid manifest to the core type: tags are trimmed, and a tag that is empty after
 * trimming is refused (the schema cannot say "non-blank").
 */
export function toManifest(dto: ManifestDto, where: string): AgentManifest {
  const tags = (field: 'capabilities' | 'keywords' | 'examples', list: readonly string[]): string[] =>
    list.map((raw, i) => {
      const tag = raw.trim();
      if (tag.length === 0) {
        throw new RouterError(
          'invalid_manifest',
          `${where}: ${field}[${i}] must be a non-empty string (got ${JSON.stringify(raw)})`,
          {
            details: { where, field: `${field}[${i}]` },
          },
        );
      }
      return tag;
    });
  return {
    agentId: dto.agent_id,
    agentName: dto.agent_name,
    capabilities: tags('capabilities', dto.capabilities),
    keywords: tags('keywords', dto.keywords),
    rateSats: dto.rate_sats,
    ...(dto.description === undefined ? {} : { description: dto.description }),
    ...(dto.examples === undefined ? {} : { examples: tags('examples', dto.examples) }),
    ...(dto.max_concurrency === undefined ? {} : { maxConcurrency: dto.max_concurrency }),
  };
}

export function fromManifest(manifest: AgentManifest): ManifestDto {
  return {
    agent_id: manifest.agentId,
    agent_name: manifest.agentName,
    capabilities: [...manifest.capabilities],
    keywords: [...manifest.keywords],
    rate_sats: manifest.rateSats,
    ...(manifest.description === undefined ? {} : { description: manifest.description }),
    ...(manifest.examples === undefined ? {} : { examples: [...manifest.examples] }),
    ...(manifest.maxConcurrency === undefined ? {} : { max_concurrency: manifest.maxConcurrency }),
  };
}

/** Maps a whole roster file, refusing an agent id defined twice. */
export function toRoster(file: RosterFile, where: string): AgentManifest[] {
  const firstIndex = new Map<string, number>();
  return file.agents.map((dto, i) => {
    const earlier = firstIndex.get(dto.agent_id);
    if (earlier !== undefined) {
      throw new RouterError(
        'invalid_manifest',
        `${where}: agents[${i}].agent_id '${dto.agent_id}' is already defined by agents[${earlier}]`,
        { details: { where, field: `agents[${i}].agent_id` } },
      );
    }
    firstIndex.set(dto.agent_id, i);
    return toManifest(dto, `${where}: agents[${i}]`);
  });
}
