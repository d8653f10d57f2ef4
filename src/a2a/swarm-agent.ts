import { A2A_PROTOCOL_VERSION, AgentCard, type Part, TaskState } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import type { EventBus } from '../events/event-bus.js';
import type { TaskEvent } from '../events/task-event.js';
import type { Router } from '../router/router.js';
import type { TaskService } from '../service/task-service.js';
import type { Task } from '../tasks/task.js';
import { agentStatus, cancelTask, textPart } from './a2a-serving.js';

/**
 * The swarm as one A2A agent: any A2A client can hand it a task. A message's text becomes a task of
 * the service (`POST /v1/tasks`, with its auction, its decision in the log and its lifecycle); when
 * the task ends, the A2A task ends with it: completed with what the chosen agent handed back as its
 * artifacts, or failed with the reason. The A2A task's metadata names the swarm's task, its decision
 * and the agent that did the work.
 */

export interface SwarmAgentOptions {
  readonly tasks: TaskService;
  /** Reads the decision of a task, for its id. */
  readonly router: Pick<Router, 'getDecision'>;
  readonly bus: EventBus;
  /** The longest a message may wait for its task to end before the A2A task is failed, ms. */
  readonly waitMs?: number;
}

export const SWARM_AGENT_WAIT_MS = 15 * 60_000;
const FINAL = new Set(['completed', 'failed', 'unassigned', 'expired']);

/** Whether an event ends its task (an event's status is the task's before the change). */
const endsTask = (event: TaskEvent): boolean =>
  event.kind === 'task:completed' ||
  event.kind === 'task:unassigned' ||
  event.kind === 'task:expired' ||
  (event.kind === 'task:failed' && event.data.final === true);

export class SwarmAgentExecutor implements AgentExecutor {
  readonly #options: SwarmAgentOptions;
  /** The waits in progress: the service's close ends them (their A2A tasks answer as things stand). */
  readonly #waits = new Set<() => void>();

  constructor(options: SwarmAgentOptions) {
    this.#options = options;
  }

  async execute(context: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const ids = { taskId: context.taskId, contextId: context.contextId };
    const status = (state: TaskState, message?: string) => agentStatus(state, ids, message);
    const description = context.userMessage.parts
      .map((p) => (p.content?.$case === 'text' ? p.content.value : ''))
      .join('\n')
      .trim();
    if (context.task === undefined) {
      bus.publish(
        AgentEvent.task({
          id: ids.taskId,
          contextId: ids.contextId,
          status: status(TaskState.TASK_STATE_SUBMITTED),
          artifacts: [],
          history: [context.userMessage],
          metadata: undefined,
        }),
      );
    }
    const finish = (state: TaskState, message: string, metadata?: Record<string, unknown>) => {
      bus.publish(AgentEvent.statusUpdate({ ...ids, status: status(state, message), metadata }));
      bus.finished();
    };
    if (description === '') {
      finish(TaskState.TASK_STATE_REJECTED, 'the message has no text to route');
      return;
    }
    let task: Task;
    try {
      task = await this.#options.tasks.post({ description });
    } catch (error) {
      finish(TaskState.TASK_STATE_REJECTED, (error as Error).message);
      return;
    }
    bus.publish(
      AgentEvent.statusUpdate({ ...ids, status: status(TaskState.TASK_STATE_WORKING), metadata: undefined }),
    );
    const ended = await this.#ended(task.taskId);
    const result = await this.#options.tasks.resultOf(ended);
    const decision =
      ended.decisionSeq === null ? undefined : await this.#options.router.getDecision(ended.decisionSeq);
    const metadata = {
      swarm_router: {
        task_id: ended.taskId,
        decision_seq: ended.decisionSeq,
        decision_id: decision?.decisionId ?? null,
        agent: ended.assignedAgent,
        status: ended.status,
      },
    };
    if (ended.status !== 'completed') {
      finish(TaskState.TASK_STATE_FAILED, `the swarm's task ${ended.taskId} ended ${ended.status}`, metadata);
      return;
    }
    for (const [i, artifact] of artifactsOf(result).entries()) {
      bus.publish(
        AgentEvent.artifactUpdate({
          ...ids,
          append: false,
          lastChunk: true,
          metadata: undefined,
          artifact: {
            artifactId: artifact.id ?? `result-${i}`,
            name: artifact.name,
            description: '',
            metadata: undefined,
            extensions: [],
            parts: artifact.parts,
          },
        }),
      );
    }
    finish(TaskState.TASK_STATE_COMPLETED, `done by ${ended.assignedAgent ?? 'nobody'}`, metadata);
  }

  /** Ends every wait now: each A2A task answers with its swarm task as it stands. */
  stop(): void {
    for (const done of [...this.#waits]) done();
  }

  cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    // The swarm's task runs on (its agent has it); the A2A task stops waiting for it.
    return cancelTask(taskId, bus);
  }

  /** The task once it has ended (or as it stands when the wait is over). */
  async #ended(taskId: string): Promise<Task> {
    const { tasks, bus } = this.#options;
    const current = await tasks.get(taskId);
    if (FINAL.has(current.status)) return current;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.#options.waitMs ?? SWARM_AGENT_WAIT_MS);
      timer.unref();
      const unsubscribe = bus.subscribe((events) => {
        for (const event of events) {
          if (event.taskId === taskId && endsTask(event)) done();
        }
      });
      const waits = this.#waits;
      function done() {
        clearTimeout(timer);
        unsubscribe();
        waits.delete(done);
        resolve();
      }
      waits.add(done);
      // Ended between the read above and the subscription.
      void tasks.get(taskId).then((t) => FINAL.has(t.status) && done());
    });
    return tasks.get(taskId);
  }
}

/** The artifacts to answer with: an A2A agent's, as it sent them; anything else as one data part. */
function artifactsOf(result: Readonly<Record<string, unknown>> | undefined): {
  id?: string;
  name: string;
  parts: Part[];
}[] {
  if (result === undefined) return [];
  const artifacts = result.artifacts;
  if (Array.isArray(artifacts)) {
    return artifacts.map((a: { artifact_id?: string; name?: string; parts?: Record<string, unknown>[] }) => ({
      ...(typeof a.artifact_id === 'string' ? { id: a.artifact_id } : {}),
      name: typeof a.name === 'string' ? a.name : 'result',
      parts: (Array.isArray(a.parts) ? a.parts : []).map(partOf),
    }));
  }
  return [{ name: 'result', parts: [partOf({ data: result })] }];
}

function partOf(part: Record<string, unknown>): Part {
  const file = {
    mediaType: typeof part.media_type === 'string' ? part.media_type : '',
    filename: typeof part.filename === 'string' ? part.filename : '',
    metadata: undefined,
  };
  if (typeof part.text === 'string') return textPart(part.text);
  if (typeof part.url === 'string') return { content: { $case: 'url', value: part.url }, ...file };
  if (typeof part.raw_base64 === 'string') {
    return { content: { $case: 'raw', value: Buffer.from(part.raw_base64, 'base64') }, ...file };
  }
  return { content: { $case: 'data', value: part.data ?? part }, ...file, mediaType: 'application/json' };
}

/**
 * The swarm's card: one skill, routing a task to the best of its agents, tagged with the capability
 * tags its agents declare most (20 at most: a roster can hold 10,000 agents).
 */
export function swarmCard(
  router: Router,
  options: { readonly url: string; readonly version: string; readonly adminToken: boolean },
): AgentCard {
  const counts = new Map<string, number>();
  for (const manifest of router.registry.values()) {
    for (const tag of manifest.capabilities) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  const tags = [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 20)
    .map(([tag]) => tag);
  return AgentCard.fromJSON({
    name: 'swarm-router',
    description: `A swarm of ${router.registry.size} agents: each task goes to the agent that fits it best, by an audited decision.`,
    version: options.version,
    supportedInterfaces: [
      { url: options.url, protocolBinding: 'JSONRPC', protocolVersion: A2A_PROTOCOL_VERSION },
    ],
    capabilities: { streaming: true, pushNotifications: false },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: [
      {
        id: 'route',
        name: 'Route a task to the swarm',
        description:
          "Describe a task in text: the swarm's router picks the agent that fits it, the agent does it, and its result comes back as this task's artifacts.",
        tags: tags.length > 0 ? tags : ['routing'],
        examples: ['Summarise the quarterly report', 'Translate this contract into French'],
      },
    ],
    ...(options.adminToken
      ? {
          securitySchemes: {
            bearer: { httpAuthSecurityScheme: { scheme: 'Bearer', description: 'the admin token' } },
          },
          securityRequirements: [{ schemes: { bearer: { list: [] } } }],
        }
      : {}),
  });
}
