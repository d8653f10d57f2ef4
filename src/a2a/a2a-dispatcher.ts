import { randomUUID } from 'node:crypto';
import {
  type Message as A2aMessage,
  type Task as A2aTask,
  AgentCard,
  SendMessageRequest,
  TaskState,
} from '@a2a-js/sdk';
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
} from '@a2a-js/sdk/client';
import type { EventBus } from '../events/event-bus.js';
import type { TaskEvent } from '../events/task-event.js';
import type { Clock } from '../kernel/clock.js';
import { RouterError } from '../kernel/errors.js';
import { limitedFetch } from '../kernel/limited-fetch.js';
import type { A2aReach } from '../manifest/manifest.js';
import type { OutcomeResult } from '../policy/outcome.js';
import type { AgentDirectory } from '../service/agent-directory.js';
import type { TaskService } from '../service/task-service.js';
import { type AgentRunEnd, AgentRunSpan } from '../telemetry/agent-run-span.js';
import { ArtifactCollector, resultOfMessage } from './a2a-results.js';

/**
 * Sends the tasks offered to A2A skills to their agents and carries each to its end in the task
 * lifecycle. The offer is the agent's reservation: the message goes out at once (`SendMessage`, or
 * `SendStreamingMessage` when the card says it streams), and an agent that has not answered when
 * the reservation ends is timed out by the lifecycle's timer like any agent. Once the agent has the
 * task, it is accepted on its behalf, followed (the stream, or `GetTask` polls) to a final state and
 * reported: completed → complete; failed, rejected, canceled, or asking for input → fail, which
 * offers it to the next candidate; an agent that cannot be reached turns the offer down. Durations
 * are reported, so routing learns from A2A agents as from any other.
 */

export interface A2aDispatcherOptions {
  readonly bus: EventBus;
  readonly tasks: TaskService;
  readonly directory: AgentDirectory;
  readonly clock: Clock;
  /** Longest an accepted task may run before it is canceled at the agent and failed, ms. */
  readonly workTimeoutMs?: number;
  /**
   * How a task that does not stream is polled: first after `firstPollMs`, then twice as long each
   * time up to `maxPollMs`, so a quick task is seen done within milliseconds and a long one costs
   * its agent a request a second at most.
   */
  readonly firstPollMs?: number;
  readonly maxPollMs?: number;
  readonly onError?: (taskId: string, agentId: string, error: unknown) => void;
  /** The most an agent's answer may hold, bytes (kernel/limited-fetch.ts); larger fails the attempt. */
  readonly maxAnswerBytes?: number;
}

export const A2A_WORK_TIMEOUT_MS = 10 * 60_000;
/** The most one answer of an agent may hold (8 MiB). */
export const MAX_A2A_ANSWER_BYTES = 8 * 1024 * 1024;
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 1_000;

const FINAL_STATES = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);
/** States where the agent waits for something this router cannot give (more input, credentials). */
const STUCK_STATES = new Set([TaskState.TASK_STATE_INPUT_REQUIRED, TaskState.TASK_STATE_AUTH_REQUIRED]);

/** The lifecycle moved the task on (timed out, expired): this dispatch has nothing left to report. */
const movedOn = (error: unknown): boolean =>
  error instanceof RouterError && (error.code === 'wrong_state' || error.code === 'forbidden');

export class A2aDispatcher {
  readonly #options: A2aDispatcherOptions;
  readonly #clients = new Map<string, Promise<Client>>();
  /** Every answer of an agent is read within a size limit (kernel/limited-fetch.ts). */
  readonly #fetch: typeof fetch;
  readonly #inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  #unsubscribe: (() => void) | undefined;

  constructor(options: A2aDispatcherOptions) {
    this.#options = options;
    this.#fetch = limitedFetch(options.maxAnswerBytes ?? MAX_A2A_ANSWER_BYTES);
  }

  start(): void {
    this.#unsubscribe ??= this.#options.bus.subscribe((events) => {
      for (const event of events) if (event.kind === 'task:assigned') this.#offered(event);
    });
  }

  /** Stops taking offers and abandons the dispatches in flight (their reservations will time out). */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const { abort } of this.#inFlight.values()) abort.abort();
    await Promise.allSettled([...this.#inFlight.values()].map((d) => d.done));
  }

  #offered(event: TaskEvent): void {
    const agentId = event.agentId;
    if (agentId === null || !this.#options.directory.has(agentId)) return;
    const reach = this.#options.directory.get(agentId).manifest.a2a;
    if (reach === undefined) return;
    const key = `${event.taskId}\u0000${agentId}\u0000${String(event.data.attempt)}`;
    if (this.#inFlight.has(key)) return;
    const abort = new AbortController();
    const reservedUntilMs = Number(event.data.reservedUntilMs);
    const attempt = Number(event.data.attempt);
    const done = this.#dispatch(event.taskId, agentId, reach, attempt, reservedUntilMs, abort.signal)
      .catch((error: unknown) => this.#options.onError?.(event.taskId, agentId, error))
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, { abort, done });
  }

  /**
   * One dispatch, traced as an `invoke_agent` span: a child of the task's decision span, whose context
   * the task service keeps while the task runs (telemetry/).
   */
  async #dispatch(
    taskId: string,
    agentId: string,
    reach: A2aReach,
    attempt: number,
    reservedUntilMs: number,
    stop: AbortSignal,
  ): Promise<void> {
    const run = new AgentRunSpan(
      { taskId, agentId, reach, attempt },
      this.#options.tasks.traceContextOf(taskId),
    );
    let end: AgentRunEnd;
    try {
      end = await this.#deliver(taskId, agentId, reach, reservedUntilMs, stop, run);
    } catch (error) {
      run.end({ outcome: 'failed', error });
      throw error;
    }
    run.end(end);
  }

  async #deliver(
    taskId: string,
    agentId: string,
    reach: A2aReach,
    reservedUntilMs: number,
    stop: AbortSignal,
    run: AgentRunSpan,
  ): Promise<AgentRunEnd> {
    const { tasks, clock } = this.#options;
    const task = await tasks.get(taskId);
    run.decided(task.decisionSeq);
    const started = clock.now();
    const request = SendMessageRequest.fromJSON({
      message: {
        messageId: randomUUID(),
        role: 'ROLE_USER',
        parts: [{ text: task.description }],
        metadata: { swarm_router: { task_id: taskId, skill: reach.skill, decision_seq: task.decisionSeq } },
      },
      configuration: { returnImmediately: !reach.streaming },
    });
    // Until the agent has the task, it has the reservation's time; then the work's.
    const answerBy = AbortSignal.any([stop, AbortSignal.timeout(Math.max(1, reservedUntilMs - clock.now()))]);
    // Every call about the task carries the dispatch span's context: the agent's spans join the trace.
    const serviceParameters = run.traceHeaders();
    let client: Client;
    let first: A2aTask | { readonly message: A2aMessage };
    let stream: AsyncGenerator<unknown> | undefined;
    try {
      client = await this.#clientFor(reach);
      if (reach.streaming) {
        stream = client.sendMessageStream(request, {
          signal: AbortSignal.any([stop, workTimeout(this.#options)]),
          serviceParameters,
        });
        first = await firstTaskOf(stream, answerBy);
      } else {
        const answer = await client.sendMessage(request, { signal: answerBy, serviceParameters });
        first = 'messageId' in answer ? { message: answer } : answer;
      }
    } catch (error) {
      // No answer in time: the lifecycle times the reservation out.
      if (answerBy.aborted) return { outcome: stop.aborted ? 'abandoned' : 'timed_out' };
      // Unreachable or refusing the message: the offer is turned down, and goes to the next candidate.
      await tasks.reject(taskId, agentId).catch((e: unknown) => {
        if (!movedOn(e)) throw e;
      });
      this.#options.onError?.(taskId, agentId, error);
      return { outcome: 'rejected', error };
    }
    try {
      await tasks.accept(taskId, agentId);
      // A direct reply (a message, no task) is the whole answer.
      const final =
        'message' in first
          ? { state: TaskState.TASK_STATE_COMPLETED, result: resultOfMessage(first.message) }
          : await this.#follow(client, first, stream, stop, serviceParameters);
      const durationMs = clock.now() - started;
      const completed = final.state === TaskState.TASK_STATE_COMPLETED;
      if (completed) await tasks.complete(taskId, agentId, durationMs, final.result);
      else await tasks.fail(taskId, agentId, durationMs, final.result);
      return {
        outcome: completed ? 'completed' : 'failed',
        ...('message' in first ? {} : { a2aTaskId: first.id }),
        ...(typeof final.result.state === 'string' ? { a2aState: final.result.state } : {}),
      };
    } catch (error) {
      if (!movedOn(error)) throw error;
      return { outcome: 'timed_out' }; // the lifecycle moved the task on: its time had passed
    }
  }

  /**
   * The task's final state and what the agent handed back: from the stream, or by polling; a stuck
   * or overdue task is canceled at the agent.
   */
  async #follow(
    client: Client,
    first: A2aTask,
    stream: AsyncGenerator<unknown> | undefined,
    stop: AbortSignal,
    serviceParameters: Record<string, string>,
  ): Promise<{ state: TaskState; result: OutcomeResult }> {
    let state = first.status?.state ?? TaskState.TASK_STATE_SUBMITTED;
    const artifacts = new ArtifactCollector(first);
    const deadline = this.#options.clock.now() + (this.#options.workTimeoutMs ?? A2A_WORK_TIMEOUT_MS);
    let pollMs = this.#options.firstPollMs ?? FIRST_POLL_MS;
    try {
      if (stream !== undefined) {
        for await (const event of stream) {
          state = stateOf(event) ?? state;
          artifacts.take(event);
          if (FINAL_STATES.has(state) || STUCK_STATES.has(state)) break;
        }
      } else {
        while (!FINAL_STATES.has(state) && !STUCK_STATES.has(state)) {
          if (this.#options.clock.now() >= deadline) break;
          await sleep(pollMs, stop);
          pollMs = Math.min(pollMs * 2, this.#options.maxPollMs ?? MAX_POLL_MS);
          if (stop.aborted)
            return { state: TaskState.TASK_STATE_FAILED, result: artifacts.result(first.id, state) };
          const current = await client.getTask({ id: first.id, tenant: '' } as never, {
            signal: stop,
            serviceParameters,
          });
          state = current.status?.state ?? state;
          artifacts.replaceWith(current);
        }
      }
    } catch {
      state = TaskState.TASK_STATE_FAILED; // the stream broke or the agent stopped answering
    }
    const result = artifacts.result(first.id, state);
    if (!FINAL_STATES.has(state)) {
      await client.cancelTask({ id: first.id, tenant: '' } as never, { serviceParameters }).catch(() => {});
      return { state: TaskState.TASK_STATE_FAILED, result };
    }
    return { state, result };
  }

  /** One SDK client per agent and endpoint set, made from what its card said (no fetch). */
  #clientFor(reach: A2aReach): Promise<Client> {
    const key = JSON.stringify([reach.agent, reach.endpoints]);
    let client = this.#clients.get(key);
    if (client === undefined) {
      const card = AgentCard.fromJSON({
        name: reach.cardName,
        description: '',
        version: reach.cardVersion,
        supportedInterfaces: reach.endpoints.map((e) => ({
          url: e.url,
          protocolBinding: e.binding,
          protocolVersion: e.protocolVersion,
        })),
        capabilities: { streaming: reach.streaming },
        defaultInputModes: ['text/plain'],
        defaultOutputModes: ['text/plain'],
        skills: [],
      });
      const factory = new ClientFactory(
        ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
          transports: [
            new JsonRpcTransportFactory({ legacyCompat: { enabled: true }, fetchImpl: this.#fetch }),
          ],
          cardResolver: new DefaultAgentCardResolver({
            legacyCompat: { enabled: true },
            fetchImpl: this.#fetch,
          }),
        }),
      );
      client = factory.createFromAgentCard(card);
      client.catch(() => this.#clients.delete(key));
      this.#clients.set(key, client);
    }
    return client;
  }
}

function workTimeout(options: A2aDispatcherOptions): AbortSignal {
  return AbortSignal.timeout(options.workTimeoutMs ?? A2A_WORK_TIMEOUT_MS);
}

/** The state an event of a stream reports, if any. */
function stateOf(event: unknown): TaskState | undefined {
  const payload = (event as { payload?: { $case?: string; value?: { status?: { state?: TaskState } } } })
    .payload;
  if (payload?.$case === 'task' || payload?.$case === 'statusUpdate') return payload.value?.status?.state;
  if (payload?.$case === 'message') return TaskState.TASK_STATE_COMPLETED;
  return undefined;
}

/** Reads a stream up to its first task (or message); by `answerBy`, or the stream ends, it throws. */
async function firstTaskOf(
  stream: AsyncGenerator<unknown>,
  answerBy: AbortSignal,
): Promise<A2aTask | { message: A2aMessage }> {
  const aborted = new Promise<never>((_, reject) => {
    if (answerBy.aborted) reject(answerBy.reason);
    answerBy.addEventListener('abort', () => reject(answerBy.reason), { once: true });
  });
  for (;;) {
    const next = await Promise.race([stream.next(), aborted]);
    if (next.done) throw new Error('the stream ended before the agent took the task');
    const payload = (next.value as { payload?: { $case?: string; value?: unknown } }).payload;
    if (payload?.$case === 'task') return payload.value as A2aTask;
    if (payload?.$case === 'message') return { message: payload.value as A2aMessage };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
