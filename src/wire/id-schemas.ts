import { Type } from '@sinclair/typebox';
import { MAX_AGENT_ID_LENGTH } from '../manifest/manifest.js';
import { MAX_TASK_ID_LENGTH } from './route-line-check.js';
import { ID_KEYWORD, NO_CONTROL_CHARACTERS } from './validate.js';

export { MAX_TASK_ID_LENGTH } from './route-line-check.js';
export { NO_CONTROL_CHARACTERS } from './validate.js';

/** An agent id: compared and stored in Unicode normal form NFC (wire/unicode-text.ts). */
export const AgentIdSchema = Type.String({
  minLength: 1,
  maxLength: MAX_AGENT_ID_LENGTH,
  pattern: NO_CONTROL_CHARACTERS,
  [ID_KEYWORD]: true,
});

/** A task id: compared and stored in Unicode normal form NFC, like agent ids. */
export const TaskIdSchema = Type.String({
  minLength: 1,
  maxLength: MAX_TASK_ID_LENGTH,
  pattern: NO_CONTROL_CHARACTERS,
  [ID_KEYWORD]: true,
});
