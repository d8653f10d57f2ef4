import type { Command } from 'commander';
import { SwarmApiError, SwarmClient } from '../../client/swarm-client.js';
import { ERROR_CODES, type ErrorCode, RouterError } from '../../kernel/errors.js';
import { badArgument } from '../cli-error.js';
import { parseJson, readInput } from '../input-files.js';
import { type CliIo, write } from '../io.js';

/**
 * `swarm-router agents …`: A2A agents of a running service, by their cards. These commands speak to
 * the service over HTTP (`--service`, default SWARM_ROUTER_URL or http://127.0.0.1:7070) with the
 * admin token of SWARM_ROUTER_ADMIN_TOKEN, so the service applies the change at once.
 */

interface ServiceFlags {
  readonly service?: string;
  readonly json?: boolean;
}

interface AddFlags extends ServiceFlags {
  readonly id?: string;
  readonly rate?: string;
}

const DEFAULT_SERVICE = 'http://127.0.0.1:7070';

type CardAgentDto = {
  agent_id: string;
  name: string;
  version: string;
  protocol_version: string;
  card_url?: string;
  endpoints: { url: string; binding: string }[];
  skills: { agent_id: string; capabilities: string[]; rate_sats: number; status: string }[];
};

export function registerAgentsCommand(program: Command, io: CliIo): void {
  const agents = program
    .command('agents')
    .description('A2A agents of a running service: add one by its card, list, refresh, remove');
  const withService = (command: Command): Command =>
    command
      .option('--service <url>', `the service (default: SWARM_ROUTER_URL or ${DEFAULT_SERVICE})`)
      .option('--json', 'JSON output');

  withService(
    agents
      .command('add')
      .description('register an A2A agent by its card: a URL (the card or the agent) or a JSON file')
      .argument('<url|file>', 'an http(s) URL, or a card file (- for standard input)')
      .option('--id <agent_id>', "the agent's id in the swarm (default: from the card's name)")
      .option('--rate <sats>', 'its price when the card states none (default 50)'),
  ).action(async (source: string, flags: AddFlags) => {
    const body: Record<string, unknown> = /^https?:\/\//i.test(source)
      ? { agent_card_url: source }
      : { agent_card: parseJson(await readInput(source), source) };
    if (flags.id !== undefined) body.agent_id = flags.id;
    if (flags.rate !== undefined) {
      if (!/^\d+$/.test(flags.rate)) throw badArgument('--rate', 'an integer ≥ 0', flags.rate);
      body.rate_sats = Number(flags.rate);
    }
    const { agent } = await call<{ agent: CardAgentDto }>(io, flags, 'POST', '/v1/agents', body);
    await print(io, flags, { agent }, () => describe(agent));
  });

  withService(agents.command('list').description('the A2A agents and their skills')).action(
    async (flags: ServiceFlags) => {
      const answer = await call<{ agents: CardAgentDto[] }>(io, flags, 'GET', '/v1/cards');
      await print(io, flags, answer, () =>
        answer.agents.length === 0 ? 'no A2A agents\n' : answer.agents.map(describe).join(''),
      );
    },
  );

  withService(
    agents
      .command('refresh')
      .description("read an agent's card again and apply what changed")
      .argument('<agent_id>', 'the A2A agent'),
  ).action(async (agentId: string, flags: ServiceFlags) => {
    const answer = await call<{ agent: CardAgentDto; added: string[]; changed: string[]; removed: string[] }>(
      io,
      flags,
      'POST',
      `/v1/cards/${encodeURIComponent(agentId)}/refresh`,
    );
    await print(io, flags, answer, () => {
      const list = (ids: string[]) => (ids.length === 0 ? 'none' : ids.join(', '));
      return `${describe(answer.agent)}added ${list(answer.added)}; changed ${list(answer.changed)}; removed ${list(answer.removed)}\n`;
    });
  });

  withService(
    agents
      .command('remove')
      .description('remove an A2A agent and its skills (their decisions stay in the log)')
      .argument('<agent_id>', 'the A2A agent'),
  ).action(async (agentId: string, flags: ServiceFlags) => {
    await call(io, flags, 'DELETE', `/v1/cards/${encodeURIComponent(agentId)}`);
    await print(io, flags, { removed: agentId }, () => `removed A2A agent ${agentId}\n`);
  });
}

function describe(agent: CardAgentDto): string {
  const lines = [
    `${agent.agent_id}  ${agent.name} ${agent.version} (A2A ${agent.protocol_version})  ${agent.endpoints[0]?.url ?? ''}`,
    ...agent.skills.map(
      (s) =>
        `  ${s.agent_id.padEnd(32)} ${String(s.rate_sats).padStart(6)} sat  ${s.status.padEnd(7)}  ${s.capabilities.join(', ')}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

async function print(io: CliIo, flags: ServiceFlags, json: unknown, text: () => string): Promise<void> {
  await write(io.stdout, flags.json === true ? `${JSON.stringify(json)}\n` : text());
}

/** One API call; the service's errors keep their code (and exit code), an unreachable service says so. */
async function call<T>(
  io: CliIo,
  flags: ServiceFlags,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const baseUrl = flags.service ?? io.env.SWARM_ROUTER_URL ?? DEFAULT_SERVICE;
  let client: SwarmClient;
  try {
    client = new SwarmClient({
      baseUrl,
      ...(io.env.SWARM_ROUTER_ADMIN_TOKEN === undefined ? {} : { token: io.env.SWARM_ROUTER_ADMIN_TOKEN }),
    });
  } catch {
    throw badArgument('--service', 'an http(s) URL', baseUrl);
  }
  try {
    return await client.request<T>(method, path, body);
  } catch (error) {
    if (error instanceof SwarmApiError) {
      const code = (error.code in ERROR_CODES ? error.code : 'invalid_request') as ErrorCode;
      throw new RouterError(code, error.message.replace(/^[a-z_]+: /, ''), { cause: error });
    }
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new RouterError(
      'service_unreachable',
      `the service at ${baseUrl} did not answer (${cause}); is swarm-router serve running there? (--service, SWARM_ROUTER_URL)`,
      { cause: error },
    );
  }
}
