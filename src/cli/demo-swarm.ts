import { AgentClient } from '../client/agent-client.js';
import { SwarmApiError, SwarmClient } from '../client/swarm-client.js';
import { personaBid } from '../manifest/persona-bid.js';
import { PERSONAS, type Persona } from '../manifest/personas.js';
import { startDemoA2aAgent } from './demo-a2a-agent.js';

/** Sample tasks the demo posts, so that a newcomer sees routing happen without doing anything. */
export const DEMO_TASKS = [
  'Fix the bug in the authentication code',
  'Write documentation for the REST API',
  'Analyze quarterly sales data and chart the trends',
  'Audit the firewall rules and scan for vulnerabilities',
  'Deploy the service to Kubernetes with a CI pipeline',
  'Research and summarize recent papers on agent swarms',
  'Monitor the cluster and alert on latency spikes',
  'Draft a blog post announcing the new release',
  'Translate the release notes into French',
];

/** The id the demo's A2A agent is registered under; its skills are `demo-linguist:<skill>`. */
export const DEMO_A2A_AGENT_ID = 'demo-linguist';

export interface DemoSwarmOptions {
  readonly baseUrl: string;
  /** The service's admin token, if it has one: the demo registers its agents and posts with it. */
  readonly adminToken?: string;
  /** [0, 1) random numbers: bids, work times. */
  readonly random?: () => number;
  /** How long a persona works on a task it won, ms: uniform in [min, max]. Default 400–2000. */
  readonly workMs?: readonly [number, number];
  /** Post one of DEMO_TASKS this often, ms; 0 posts none. Default 6000. */
  readonly postEveryMs?: number;
  /** Told of what the swarm could not do (a refused bid is normal and not reported). */
  readonly onError?: (error: unknown) => void;
}

export interface DemoSwarm {
  readonly agents: readonly AgentClient[];
  /** The demo's own A2A agent (demo-a2a-agent.ts), registered by its card. */
  readonly a2aAgentUrl: string;
  stop(): Promise<void>;
}

/**
 * The six personas as a simulated swarm, each one an agent process would be: registered over HTTP,
 * following the service's events, bidding with its persona strategy (personas.json), accepting what
 * it wins and completing it after a short random delay, sending heartbeats. Built on the agent
 * client, like any real agent.
 */
export async function startDemoSwarm(options: DemoSwarmOptions): Promise<DemoSwarm> {
  const random = options.random ?? Math.random;
  const [minWork, maxWork] = options.workMs ?? [400, 2000];
  const onError = options.onError ?? (() => undefined);
  const controller = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  const agents: AgentClient[] = [];
  const running: Promise<void>[] = [];
  const admin = new SwarmClient({
    baseUrl: options.baseUrl,
    ...(options.adminToken === undefined ? {} : { token: options.adminToken }),
  });

  const linguist = await startDemoA2aAgent(() => Math.round(minWork + random() * (maxWork - minWork)));
  await joinByCard(admin, linguist.baseUrl);

  for (const persona of PERSONAS) {
    const agent = await joinAs(persona, options);
    agents.push(agent);
    const stopHeartbeats = agent.keepAlive(10_000);
    controller.signal.addEventListener('abort', stopHeartbeats);
    running.push(follow(agent, persona));
  }

  async function follow(agent: AgentClient, persona: Persona): Promise<void> {
    try {
      for await (const event of agent.events({ signal: controller.signal })) {
        const taskId = event.data.task_id;
        if (event.kind === 'task:posted') {
          const description = String(event.data.description ?? '');
          const maxBid = event.data.max_bid_sats;
          const sats = personaBid(persona, description, random);
          if (typeof maxBid === 'number' && sats > maxBid) continue;
          agent.bid(taskId, sats).catch(ignoreRefusals);
        } else if (event.kind === 'task:assigned' && event.data.agent_id === agent.agentId) {
          void work(agent, taskId);
        }
      }
    } catch (error) {
      onError(error);
    }
  }

  async function work(agent: AgentClient, taskId: string): Promise<void> {
    try {
      await agent.accept(taskId);
      const ms = Math.round(minWork + random() * (maxWork - minWork));
      const timer = setTimeout(() => {
        timers.delete(timer);
        agent.complete(taskId, ms).catch(ignoreRefusals);
      }, ms);
      timers.add(timer);
    } catch (error) {
      ignoreRefusals(error);
    }
  }

  // A refused bid or a task that moved on (409, 422) is the swarm working as designed.
  function ignoreRefusals(error: unknown): void {
    if (error instanceof SwarmApiError && error.status < 500) return;
    onError(error);
  }

  const postEveryMs = options.postEveryMs ?? 6000;
  let posted = 0;
  if (postEveryMs > 0) {
    const postOne = (): void => {
      const description = DEMO_TASKS[posted++ % DEMO_TASKS.length] as string;
      admin.postTask({ description, bidding_window_ms: 3000 }).catch(onError);
    };
    // The first one soon (once the agents' event streams are open), so a newcomer sees routing at once.
    timers.add(setTimeout(postOne, 1000));
    timers.add(setInterval(postOne, postEveryMs));
  }

  return {
    agents,
    a2aAgentUrl: linguist.baseUrl,
    async stop() {
      controller.abort();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(running);
      await linguist.stop();
    },
  };
}

/** Registers the demo's A2A agent by its card; an earlier run's registration (another port) is replaced. */
async function joinByCard(admin: SwarmClient, baseUrl: string): Promise<void> {
  const register = () =>
    admin.request('POST', '/v1/agents', { agent_card_url: baseUrl, agent_id: DEMO_A2A_AGENT_ID });
  try {
    await register();
  } catch (error) {
    if (!(error instanceof SwarmApiError && error.code === 'agent_exists')) throw error;
    await admin.request('DELETE', `/v1/cards/${DEMO_A2A_AGENT_ID}`);
    await register();
  }
}

/** Registers the persona, or takes it over when the service already knows it (a restarted demo). */
async function joinAs(persona: Persona, options: DemoSwarmOptions): Promise<AgentClient> {
  try {
    const { client } = await AgentClient.register(
      {
        baseUrl: options.baseUrl,
        ...(options.adminToken === undefined ? {} : { adminToken: options.adminToken }),
      },
      { persona: persona.personaId },
    );
    return client;
  } catch (error) {
    if (!(error instanceof SwarmApiError && error.code === 'agent_exists')) throw error;
    // Its token was shown once, to the earlier run; without an admin token none is needed on loopback.
    return new AgentClient({
      baseUrl: options.baseUrl,
      agentId: persona.personaId,
      ...(options.adminToken === undefined ? {} : { token: options.adminToken }),
    });
  }
}
