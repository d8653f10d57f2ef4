import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import {
  type AgentCard,
  Extensions,
  formatSSEErrorEvent,
  formatSSEEvent,
  type Part,
  Role,
  SSE_HEADERS,
  TaskState,
  type TaskStatus,
} from '@a2a-js/sdk';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import {
  type A2ARequestHandler,
  AgentEvent,
  defaultServerCallContextBuilder,
  type ExecutionEventBus,
  JsonRpcTransportHandler,
  UnauthenticatedUser,
  validateVersion,
} from '@a2a-js/sdk/server';

/**
 * What every A2A agent swarm-router serves has in common (the swarm itself, the demo's agent, the
 * agents tests start): parts and statuses as the SDK's types want them, the answer to a cancel, and
 * A2A's JSON-RPC over HTTP — protocol 1.0, and 0.3 for older clients — on a plain Node response, so
 * Fastify routes and bare `node:http` servers answer alike.
 */

export function textPart(value: string): Part {
  return { content: { $case: 'text', value }, mediaType: 'text/plain', filename: '', metadata: undefined };
}

/** A task status now, with an agent message when there is something to say. */
export function agentStatus(
  state: TaskState,
  ids: { readonly taskId: string; readonly contextId: string },
  message?: string,
): TaskStatus {
  return {
    state,
    timestamp: new Date().toISOString(),
    message:
      message === undefined
        ? undefined
        : {
            messageId: crypto.randomUUID(),
            taskId: ids.taskId,
            contextId: ids.contextId,
            role: Role.ROLE_AGENT,
            parts: [textPart(message)],
            metadata: undefined,
            extensions: [],
            referenceTaskIds: [],
          },
  };
}

/** An executor's cancelTask: the task ends canceled. */
export async function cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
  bus.publish(
    AgentEvent.statusUpdate({
      taskId,
      contextId: '',
      status: agentStatus(TaskState.TASK_STATE_CANCELED, { taskId, contextId: '' }),
      metadata: undefined,
    }),
  );
  bus.finished();
}

/** A2A's JSON-RPC transports of one request handler: 1.0, and 0.3 for clients that send no A2A-Version. */
export class A2aJsonRpc {
  readonly #v1: JsonRpcTransportHandler;
  readonly #v03: LegacyJsonRpcTransportHandler;

  constructor(
    handler: A2ARequestHandler,
    private readonly card: AgentCard,
  ) {
    this.#v1 = new JsonRpcTransportHandler(handler);
    this.#v03 = new LegacyJsonRpcTransportHandler(handler);
  }

  /**
   * Answers one JSON-RPC request: a JSON answer (returned, for the caller to send), or a stream written
   * as Server-Sent Events on `raw` (then undefined is returned and the response is ended);
   * `beforeStream` runs first (Fastify's hijack).
   */
  async answer(
    body: unknown,
    headers: IncomingHttpHeaders,
    raw: ServerResponse,
    beforeStream?: () => void,
  ): Promise<unknown | undefined> {
    // The SDK's convention: a request without A2A-Version speaks 0.3.
    const requested = (headers['a2a-version'] as string | undefined) ?? '0.3';
    const legacy = requested === '0.3';
    const mapError = legacy
      ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError
      : JsonRpcTransportHandler.mapToJSONRPCError;
    const id = (body as { id?: unknown } | null)?.id ?? null;
    try {
      const context = defaultServerCallContextBuilder({
        user: new UnauthenticatedUser(),
        headers: headers as Record<string, string>,
        requestedVersion: requested,
        extensions: Extensions.parseServiceParameter(
          headers[legacy ? 'x-a2a-extensions' : 'a2a-extensions'] as string | undefined,
        ),
      });
      validateVersion(context.requestedVersion, this.card, 'JSONRPC');
      const out = await (legacy ? this.#v03 : this.#v1).handle(body as Record<string, unknown>, context);
      if (typeof (out as AsyncGenerator)[Symbol.asyncIterator] !== 'function') return out;
      beforeStream?.();
      raw.writeHead(200, SSE_HEADERS);
      try {
        for await (const event of out as AsyncGenerator) raw.write(formatSSEEvent(event));
      } catch (error) {
        raw.write(formatSSEErrorEvent({ jsonrpc: '2.0', id, error: mapError(error as Error) }));
      }
      raw.end();
      return undefined;
    } catch (error) {
      return { jsonrpc: '2.0', id, error: mapError(error as Error) };
    }
  }
}
