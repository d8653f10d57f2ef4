import { MAX_AGENT_ID_LENGTH } from '../manifest/manifest.js';
import type { RouteRequest } from '../router/route-request.js';

/** Ids are at most this long, as sent and in their normal form (the task id schema's maxLength). */
export const MAX_TASK_ID_LENGTH = 200;

/** RouteRequestDtoSchema's limits, for the common shape. */
const MAX_DESCRIPTION_LENGTH = 10_000;
const MAX_BIDS = 1_000;

/** Not printable ASCII: a control character (C0, DEL) or anything beyond U+007E. */
const NOT_PRINTABLE_ASCII = /[^\u0020-\u007E]/;
/** Any surrogate, paired or not: findTextFault refuses lone ones, and paired ones go the long way. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The request a workload line asks for, when the parsed line is the common shape and certainly valid
 * under RouteRequestDtoSchema: only task_id, description and bids; ids of printable ASCII (their own
 * NFC form, one code point per unit, no control character); a description without U+0000 or
 * surrogates; whole bids in range. Anything else — another field, a non-ASCII id, any doubt — gives
 * undefined, and the caller runs the full validator, which accepts or names the fault as it always did.
 * The schema check compiled by Ajv (and Ajv itself, and TypeBox) cost a third of a second of start-up
 * and a fifth of reading a 100,000-line batch; this accepts exactly a subset of what it accepts.
 */
export function quickRouteRequest(value: unknown): RouteRequest | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const dto = value as Record<string, unknown>;
  let fields = 0;
  for (const key in dto) {
    if (key !== 'task_id' && key !== 'description' && key !== 'bids') return undefined;
    fields++;
  }
  const { task_id: taskId, description, bids } = dto;
  if (fields !== (taskId === undefined ? 2 : 3)) return undefined; // an inherited or absent field
  if (taskId !== undefined && !isPlainId(taskId, MAX_TASK_ID_LENGTH)) return undefined;
  if (
    typeof description !== 'string' ||
    description.length > MAX_DESCRIPTION_LENGTH ||
    description.includes('\u0000') ||
    SURROGATE.test(description)
  ) {
    return undefined;
  }
  if (!Array.isArray(bids) || bids.length > MAX_BIDS) return undefined;
  const checked = new Array<{ agentId: string; bidSats: number }>(bids.length);
  for (let i = 0; i < bids.length; i++) {
    const bid = bids[i] as unknown;
    if (typeof bid !== 'object' || bid === null || Array.isArray(bid)) return undefined;
    let bidFields = 0;
    for (const key in bid) {
      if (key !== 'agent_id' && key !== 'bid_sats') return undefined;
      bidFields++;
    }
    const { agent_id: agentId, bid_sats: bidSats } = bid as Record<string, unknown>;
    if (bidFields !== 2 || !isPlainId(agentId, MAX_AGENT_ID_LENGTH)) return undefined;
    if (!Number.isSafeInteger(bidSats) || (bidSats as number) < 0) return undefined;
    checked[i] = { agentId: agentId as string, bidSats: bidSats as number };
  }
  // The shape toRouteRequest gives every request (the router reads the optional fields of each).
  return {
    taskId: taskId as string | undefined,
    description,
    bids: checked,
    requiredCapabilities: undefined,
    maxBidSats: undefined,
    excludedAgents: undefined,
  };
}

function isPlainId(value: unknown, maxLength: number): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= maxLength &&
    !NOT_PRINTABLE_ASCII.test(value)
  );
}
