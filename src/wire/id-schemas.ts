import { Type } from '@sinclair/typebox';
import { MAX_AGENT_ID_LENGTH } from '../manifest/manifest.js';
import { ID_KEYWORD } from './validate.js';

/** No C0/C1 control characters: ids end up in logs, terminals and SSE frames. */
export const NO_CONTROL_CHARACTERS = '^[^\\u0000-\\u001F\\u007F-\\u009F]*$';

/** Ids are at most this long, as sent and in their normal form. */
export const MAX_TASK_ID_LENGTH = 200;

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
