import { SwarmClient, type SwarmClientOptions, type TaskDto } from './swarm-client.js';

export interface AgentDto {
  readonly agent_id: string;
  readonly status: 'online' | 'offline';
  readonly [field: string]: unknown;
}

/** What an agent registers: a manifest, or a built-in persona under an id of its own. */
export type AgentRegistration =
  | { readonly persona: string; readonly agent_id?: string }
  | {
      readonly agent_id: string;
      readonly agent_name: string;
      readonly capabilities: readonly string[];
      readonly keywords: readonly string[];
      readonly rate_sats: number;
      readonly description?: string;
      readonly examples?: readonly string[];
      readonly max_concurrency?: number;
    };

/**
 * One agent of the swarm, acting as itself: bid, accept or reject what it is offered, report how it
 * went, send heartbeats. Register with `AgentClient.register` (returns a client holding the agent's
 * token), or build one for an agent registered before with its token.
 */
export class AgentClient extends SwarmClient {
  readonly agentId: string;

  constructor(options: SwarmClientOptions & { readonly agentId: string }) {
    super(options);
    this.agentId = options.agentId;
  }

  /**
   * Registers an agent (`adminToken` when the service has one). The token the service returns is
   * shown only this once; the client keeps it.
   */
  static async register(
    options: Omit<SwarmClientOptions, 'token'> & { readonly adminToken?: string },
    registration: AgentRegistration,
  ): Promise<{ client: AgentClient; agent: AgentDto; token: string }> {
    const admin = new SwarmClient({
      ...options,
      ...(options.adminToken === undefined ? {} : { token: options.adminToken }),
    });
    const answer = await admin.request<{ agent: AgentDto; token: string }>(
      'POST',
      '/v1/agents',
      registration,
    );
    const client = new AgentClient({ ...options, token: answer.token, agentId: answer.agent.agent_id });
    return { client, agent: answer.agent, token: answer.token };
  }

  async heartbeat(): Promise<AgentDto> {
    return (await this.request<{ agent: AgentDto }>('POST', `/v1/agents/${this.#id()}/heartbeat`)).agent;
  }

  /** Sends a heartbeat every `intervalMs` until the returned function is called. Failures are retried next time. */
  keepAlive(intervalMs: number): () => void {
    const timer = setInterval(() => void this.heartbeat().catch(() => undefined), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async bid(taskId: string, bidSats: number): Promise<TaskDto> {
    return this.#act(taskId, 'bids', { bid_sats: bidSats });
  }

  async accept(taskId: string): Promise<TaskDto> {
    return this.#act(taskId, 'accept', {});
  }

  async reject(taskId: string): Promise<TaskDto> {
    return this.#act(taskId, 'reject', {});
  }

  /** `result`: what the agent hands back (a JSON object, at most 64 KiB), kept with the task. */
  async complete(taskId: string, durationMs?: number, result?: Record<string, unknown>): Promise<TaskDto> {
    return this.#act(taskId, 'complete', outcomeBody(durationMs, result));
  }

  async fail(taskId: string, durationMs?: number, result?: Record<string, unknown>): Promise<TaskDto> {
    return this.#act(taskId, 'fail', outcomeBody(durationMs, result));
  }

  async #act(taskId: string, action: string, body: Record<string, unknown>): Promise<TaskDto> {
    const path = `/v1/tasks/${encodeURIComponent(taskId)}/${action}`;
    return (await this.request<{ task: TaskDto }>('POST', path, { agent_id: this.agentId, ...body })).task;
  }

  #id(): string {
    return encodeURIComponent(this.agentId);
  }
}

function outcomeBody(durationMs: number | undefined, result: Record<string, unknown> | undefined) {
  return {
    ...(durationMs === undefined ? {} : { duration_ms: durationMs }),
    ...(result === undefined ? {} : { result }),
  };
}
