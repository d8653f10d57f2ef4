import type { Message as A2aMessage, Task as A2aTask, Artifact, Part, TaskState } from '@a2a-js/sdk';
import { TaskState as States } from '@a2a-js/sdk';
import type { OutcomeResult } from '../policy/outcome.js';
import { MAX_RESULT_BYTES, MAX_RESULT_DEPTH, nestsAtMost } from '../wire/outcome-result.js';

/**
 * What an A2A agent handed back, as an outcome's result: `{a2a_task_id, state, artifacts: [{artifact_id,
 * name, parts}]}`, each part `{text}`, `{data}`, `{url, media_type, filename}` or `{raw_base64, …}`.
 * An agent decides how much it sends, so the result keeps whole artifacts, in order, up to the
 * outcome's size limit (MAX_RESULT_BYTES) and the first nested deeper than a result may be
 * (MAX_RESULT_DEPTH), and counts those left out in `omitted_artifacts`.
 */

type PartJson = Record<string, unknown>;
interface ArtifactJson {
  artifact_id: string;
  name: string;
  parts: PartJson[];
}

function partJson(part: Part): PartJson {
  const file = {
    ...(part.mediaType === '' ? {} : { media_type: part.mediaType }),
    ...(part.filename === '' ? {} : { filename: part.filename }),
  };
  const content = part.content;
  switch (content?.$case) {
    case 'text':
      return { text: content.value };
    case 'data':
      return { data: content.value ?? null };
    case 'url':
      return { url: content.value, ...file };
    case 'raw':
      return { raw_base64: Buffer.from(content.value).toString('base64'), ...file };
    default:
      return {};
  }
}

function artifactJson(artifact: Artifact): ArtifactJson {
  return { artifact_id: artifact.artifactId, name: artifact.name, parts: artifact.parts.map(partJson) };
}

/** Builds a result within the size limit from artifacts, in order. */
function withinLimit(head: Record<string, unknown>, artifacts: readonly ArtifactJson[]): OutcomeResult {
  const kept: ArtifactJson[] = [];
  let size = Buffer.byteLength(
    JSON.stringify({ ...head, artifacts: [], omitted_artifacts: artifacts.length }),
  );
  for (const artifact of artifacts) {
    // In the result an artifact sits two levels down (artifacts, then itself); one nested deeper than
    // a result may be is left out, like one over the size limit, rather than fail the outcome.
    if (!nestsAtMost(artifact, MAX_RESULT_DEPTH - 2)) break;
    const more = Buffer.byteLength(JSON.stringify(artifact)) + 1;
    if (size + more > MAX_RESULT_BYTES) break;
    kept.push(artifact);
    size += more;
  }
  const omitted = artifacts.length - kept.length;
  return { ...head, artifacts: kept, ...(omitted === 0 ? {} : { omitted_artifacts: omitted }) };
}

/** A direct reply (a message, no task): its parts as one artifact. */
export function resultOfMessage(message: A2aMessage): OutcomeResult {
  return withinLimit({ a2a_message_id: message.messageId, state: 'completed' }, [
    { artifact_id: 'message', name: 'message', parts: message.parts.map(partJson) },
  ]);
}

/** The artifacts of a task as they arrive: whole on a poll, in updates on a stream. */
export class ArtifactCollector {
  readonly #artifacts = new Map<string, ArtifactJson>();

  constructor(first: A2aTask) {
    this.replaceWith(first);
  }

  /** A polled task holds every artifact so far. */
  replaceWith(task: A2aTask): void {
    this.#artifacts.clear();
    for (const artifact of task.artifacts ?? [])
      this.#artifacts.set(artifact.artifactId, artifactJson(artifact));
  }

  /** An event of a stream: a task (all its artifacts) or an artifact update (new, or appended to). */
  take(event: unknown): void {
    const payload = (event as { payload?: { $case?: string; value?: unknown } }).payload;
    if (payload?.$case === 'task') this.replaceWith(payload.value as A2aTask);
    if (payload?.$case !== 'artifactUpdate') return;
    const update = payload.value as { artifact?: Artifact; append?: boolean };
    if (update.artifact === undefined) return;
    const incoming = artifactJson(update.artifact);
    const known = this.#artifacts.get(incoming.artifact_id);
    if (update.append === true && known !== undefined) known.parts.push(...incoming.parts);
    else this.#artifacts.set(incoming.artifact_id, incoming);
  }

  result(a2aTaskId: string, state: TaskState): OutcomeResult {
    const name = (States[state] ?? 'TASK_STATE_UNSPECIFIED').replace(/^TASK_STATE_/, '').toLowerCase();
    return withinLimit({ a2a_task_id: a2aTaskId, state: name }, [...this.#artifacts.values()]);
  }
}
