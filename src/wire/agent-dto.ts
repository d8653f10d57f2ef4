import { type Static, Type } from '@sinclair/typebox';
import type { DirectoryEntry } from '../service/agent-types.js';
import { CARD_KEYS, CardRegistrationSchema } from './card-dto.js';
import { AgentIdSchema, fromManifest, ManifestDtoSchema } from './manifest-dto.js';
import { MCP_KEYS, McpRegistrationSchema, toolReachDto } from './mcp-dto.js';
import { CHOOSE_BY } from './validate.js';

/** Registering one of the built-in personas under an agent id (the seed's `register_persona`). */
export const PersonaRegistrationSchema = Type.Object(
  { persona: Type.String({ minLength: 1, maxLength: 100 }), agent_id: Type.Optional(AgentIdSchema) },
  { additionalProperties: false },
);
export type PersonaRegistration = Static<typeof PersonaRegistrationSchema>;

/**
 * `POST /v1/agents`: a manifest, `{"persona", "agent_id"?}`, an A2A agent's card (card-dto.ts), or an
 * MCP server (mcp-dto.ts).
 */
export const AgentRegistrationSchema = Type.Union(
  [
    Type.Union(
      [
        Type.Union([ManifestDtoSchema, PersonaRegistrationSchema], { [CHOOSE_BY]: 'persona' }),
        CardRegistrationSchema,
      ],
      { [CHOOSE_BY]: CARD_KEYS },
    ),
    McpRegistrationSchema,
  ],
  { [CHOOSE_BY]: MCP_KEYS },
);

export const AgentIdParamsSchema = Type.Object({ agent_id: AgentIdSchema }, { additionalProperties: false });

/** An agent as the service shows it: its manifest, where it comes from, and whether it is online. */
export function toAgentDto(entry: DirectoryEntry): Record<string, unknown> {
  const a2a = entry.manifest.a2a;
  return {
    ...fromManifest(entry.manifest),
    ...(a2a === undefined ? {} : { a2a: { agent: a2a.agent, skill: a2a.skill, skill_name: a2a.skillName } }),
    ...(entry.manifest.mcp === undefined ? {} : { mcp: toolReachDto(entry.manifest.mcp) }),
    source: entry.source,
    status: entry.status,
    ...(entry.registeredAtMs === undefined
      ? {}
      : { registered_at: new Date(entry.registeredAtMs).toISOString() }),
    ...(entry.lastHeartbeatMs === undefined
      ? {}
      : { last_heartbeat: new Date(entry.lastHeartbeatMs).toISOString() }),
  };
}

/** An A2A agent as the service shows it: what its card says, and its skills' entries. */
export function toCardAgentDto(agentId: string, entries: readonly DirectoryEntry[]): Record<string, unknown> {
  const reach = entries[0]?.manifest.a2a;
  return {
    agent_id: agentId,
    name: reach?.cardName ?? agentId,
    version: reach?.cardVersion ?? '',
    protocol_version: reach?.protocolVersion ?? '',
    ...(reach?.cardUrl === undefined ? {} : { card_url: reach.cardUrl }),
    endpoints: (reach?.endpoints ?? []).map((e) => ({ url: e.url, binding: e.binding })),
    streaming: reach?.streaming ?? false,
    skills: entries.map(toAgentDto),
  };
}
