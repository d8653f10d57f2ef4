import { type Static, Type } from '@sinclair/typebox';
import type { DirectoryEntry } from '../service/agent-types.js';
import { AgentIdSchema, fromManifest, ManifestDtoSchema } from './manifest-dto.js';
import { CHOOSE_BY } from './validate.js';

/** Registering one of the built-in personas under an agent id (the seed's `register_persona`). */
export const PersonaRegistrationSchema = Type.Object(
  { persona: Type.String({ minLength: 1, maxLength: 100 }), agent_id: Type.Optional(AgentIdSchema) },
  { additionalProperties: false },
);
export type PersonaRegistration = Static<typeof PersonaRegistrationSchema>;

/** `POST /v1/agents`: a manifest, or `{"persona", "agent_id"?}`. */
export const AgentRegistrationSchema = Type.Union([ManifestDtoSchema, PersonaRegistrationSchema], {
  [CHOOSE_BY]: 'persona',
});

export const AgentIdParamsSchema = Type.Object({ agent_id: AgentIdSchema }, { additionalProperties: false });

/** An agent as the service shows it: its manifest, where it comes from, and whether it is online. */
export function toAgentDto(entry: DirectoryEntry): Record<string, unknown> {
  return {
    ...fromManifest(entry.manifest),
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
