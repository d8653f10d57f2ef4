import { type Static, Type } from '@sinclair/typebox';
import type { AgentManifest } from '../manifest/manifest.js';
import { ManifestDtoSchema, toRoster } from './manifest-dto.js';
import { compileValidator, ID_KEYWORD } from './validate.js';

/**
 * The file formats of labelled routing data (`../shared/data/quality/`, DESIGN.md): a roster whose
 * agents may omit `rate_sats` (no price enters an evaluation), and JSONL tasks with the agent that
 * should take each one.
 */
export const EvalRosterFileSchema = Type.Object(
  {
    agents: Type.Array(
      Type.Composite([
        Type.Omit(ManifestDtoSchema, ['rate_sats']),
        Type.Object({ rate_sats: Type.Optional(Type.Integer({ minimum: 0 })) }),
      ]),
    ),
  },
  { additionalProperties: false },
);
type EvalRosterFile = Static<typeof EvalRosterFileSchema>;

export const LabelledTaskDtoSchema = Type.Object(
  {
    task_id: Type.String({ minLength: 1 }),
    description: Type.String(),
    /** The agent that should take the task; `oos` (or null) in out-of-scope files. */
    label: Type.Union([Type.String({ minLength: 1, [ID_KEYWORD]: true }), Type.Null()]),
  },
  { additionalProperties: true },
);
export type LabelledTaskDto = Static<typeof LabelledTaskDtoSchema>;

export const validateEvalRosterFile = compileValidator(EvalRosterFileSchema);
export const validateLabelledTaskDto = compileValidator(LabelledTaskDtoSchema);

export function toEvalRoster(file: EvalRosterFile, where: string): AgentManifest[] {
  return toRoster(
    { agents: file.agents.map((agent) => ({ ...agent, rate_sats: agent.rate_sats ?? 0 })) },
    where,
  );
}
