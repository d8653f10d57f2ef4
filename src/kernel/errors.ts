/**
 * Every error that misuse or bad input can raise, in one table: its stable code, the HTTP status the
 * service answers with, and the exit code the CLI ends with. Expected outcomes (no bids, nobody
 * eligible) are not errors; they are fields of a decision.
 *
 * docs/errors.md documents each code; a test fails when one is missing there.
 */
export const ERROR_CODES = {
  invalid_request: { httpStatus: 400, exitCode: 2, summary: 'A field or line of input is malformed.' },
  invalid_manifest: { httpStatus: 400, exitCode: 2, summary: 'An agent manifest failed validation.' },
  duplicate_bid: { httpStatus: 400, exitCode: 2, summary: 'An agent bid more than once on one task.' },
  unknown_persona: { httpStatus: 400, exitCode: 2, summary: 'No built-in persona has that id.' },
  unknown_scorer: { httpStatus: 400, exitCode: 2, summary: 'No scorer is registered under that name.' },
  unknown_agent: {
    httpStatus: 404,
    exitCode: 2,
    summary: 'A bid or query names an agent that is not registered.',
  },
  invalid_cursor: {
    httpStatus: 400,
    exitCode: 2,
    summary: 'A pagination cursor is not one this store issued.',
  },
  file_unreadable: { httpStatus: 400, exitCode: 2, summary: 'An input file cannot be opened or read.' },
  unknown_decision: { httpStatus: 404, exitCode: 2, summary: 'No decision has that sequence number.' },
  not_a_candidate: {
    httpStatus: 422,
    exitCode: 2,
    summary: 'An outcome names an agent that was not a candidate of the decision.',
  },
  not_selected: {
    httpStatus: 422,
    exitCode: 2,
    summary: 'An outcome names a bidder that the decision did not select.',
  },
  duplicate_outcome: {
    httpStatus: 409,
    exitCode: 2,
    summary: 'The agent already reported the outcome of that decision.',
  },
  unauthorized: {
    httpStatus: 401,
    exitCode: 2,
    summary: 'The request needs a token (admin or agent) and had none, or a wrong one.',
  },
  forbidden: { httpStatus: 403, exitCode: 2, summary: 'The token is valid but may not act for that agent.' },
  not_found: { httpStatus: 404, exitCode: 2, summary: 'No such route or resource in the service.' },
  agent_exists: { httpStatus: 409, exitCode: 2, summary: 'An agent with that id is already registered.' },
  agent_not_managed: {
    httpStatus: 409,
    exitCode: 2,
    summary: 'The agent comes from the roster file and cannot be changed through the service.',
  },
  card_unavailable: {
    httpStatus: 502,
    exitCode: 2,
    summary: 'An A2A agent card could not be fetched (refused, timed out, not found, not JSON, too large).',
  },
  card_managed: {
    httpStatus: 409,
    exitCode: 2,
    summary: 'The entry is a skill of an A2A agent: its card says what it is; refresh or remove the card.',
  },
  mcp_unavailable: {
    httpStatus: 502,
    exitCode: 2,
    summary:
      'An MCP server could not be reached or spoken to (refused, timed out, not MCP, no tools, exited).',
  },
  mcp_managed: {
    httpStatus: 409,
    exitCode: 2,
    summary:
      'The entry is a tool of an MCP server: the server says what it is; refresh or remove the server.',
  },
  mcp_commands_disabled: {
    httpStatus: 403,
    exitCode: 2,
    summary: 'The service was not started with --allow-mcp-commands, so it runs no MCP server command.',
  },
  unknown_task: { httpStatus: 404, exitCode: 2, summary: 'No task has that id.' },
  task_exists: { httpStatus: 409, exitCode: 2, summary: 'A task with that id already exists.' },
  wrong_state: {
    httpStatus: 409,
    exitCode: 2,
    summary: 'The task is not in a state that allows this (a closed auction, a task already accepted).',
  },
  not_eligible: {
    httpStatus: 422,
    exitCode: 2,
    summary: 'A valid bid the policy refuses (offline, at capacity, lacking a required capability, …).',
  },
  payload_too_large: { httpStatus: 413, exitCode: 2, summary: 'A request body is over the size limit.' },
  rate_limited: {
    httpStatus: 429,
    exitCode: 2,
    summary: 'Too many requests (or streams) from one token or address; Retry-After says when to retry.',
  },
  host_not_allowed: {
    httpStatus: 403,
    exitCode: 2,
    summary: 'The Host header names none of the addresses the service answers to (DNS rebinding).',
  },
  content_type_required: {
    httpStatus: 415,
    exitCode: 2,
    summary: 'A state-changing request without a token must say Content-Type: application/json.',
  },
  request_timeout: {
    httpStatus: 408,
    exitCode: 2,
    summary: 'The request (headers or body) did not arrive in time.',
  },
  headers_too_large: {
    httpStatus: 431,
    exitCode: 2,
    summary: 'The request headers are over the size limit.',
  },
  unsafe_bind: {
    httpStatus: 400,
    exitCode: 2,
    summary: 'serve was asked to listen beyond loopback without an admin token.',
  },
  cannot_listen: {
    httpStatus: 503,
    exitCode: 3,
    summary: "serve cannot listen at its --host and --port (in use, not this machine's, not permitted).",
  },
  weak_admin_token: {
    httpStatus: 400,
    exitCode: 2,
    summary: 'The admin token is too short (under 32 characters) or has characters a header cannot carry.',
  },
  store_unavailable: {
    httpStatus: 503,
    exitCode: 3,
    summary: 'The store cannot be opened or written (path, permissions, disk, lock).',
  },
  store_incompatible: {
    httpStatus: 503,
    exitCode: 3,
    summary: 'The database was written by a newer swarm-router or is not a swarm-router database.',
  },
  store_closed: { httpStatus: 503, exitCode: 3, summary: 'The store was used after close().' },
  service_unreachable: {
    httpStatus: 503,
    exitCode: 3,
    summary: 'A CLI command that speaks to a running service got no answer from it.',
  },
} as const satisfies Record<string, { httpStatus: number; exitCode: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface RouterErrorOptions {
  /** Structured context for machines: the field, file, line or id that was wrong. */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * The one error class for misuse and bad input. `code` is stable and documented; `message` is a
 * sentence for people that names what was wrong.
 */
export class RouterError extends Error {
  override readonly name = 'RouterError';
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: RouterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }
}

export function isRouterError(value: unknown): value is RouterError {
  return value instanceof RouterError;
}

/** Coerces any thrown value to an Error, keeping the original as `cause` when it was not one. */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `non-error thrown: ${String(value)}`, {
    cause: value,
  });
}
