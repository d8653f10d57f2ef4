import type { Command } from 'commander';
import { SwarmApiError, SwarmClient } from '../../client/swarm-client.js';
import { ERROR_CODES, type ErrorCode, RouterError } from '../../kernel/errors.js';
import { badArgument, usageError } from '../cli-error.js';
import { parseJson, readInput } from '../input-files.js';
import { type CliIo, write } from '../io.js';

/**
 * `swarm-router agents …`: A2A agents (by their cards) and MCP servers (by where they are) of a running
 * service. These commands speak to the service over HTTP (`--service`, default SWARM_ROUTER_URL or
 * http://127.0.0.1:7070) with the admin token of SWARM_ROUTER_ADMIN_TOKEN, so the service applies the
 * change at once.
 */

interface ServiceFlags {
  readonly service?: string;
  readonly json?: boolean;
}

interface AddFlags extends ServiceFlags {
  readonly id?: string;
  readonly rate?: string;
  /** `--mcp node server.mjs`: the command's words; `--mcp -- node …`: true, the words are operands. */
  readonly mcp?: string[] | true;
  readonly mcpUrl?: string;
}

const DEFAULT_SERVICE = 'http://127.0.0.1:7070';

type CardAgentDto = {
  agent_id: string;
  name: string;
  version: string;
  protocol_version: string;
  card_url?: string;
  endpoints: { url: string; binding: string }[];
  skills: EntryDto[];
};

type EntryDto = { agent_id: string; capabilities: string[]; rate_sats: number; status: string };

type McpServerDto = {
  server_id: string;
  name: string;
  version: string;
  transport: 'http' | 'stdio';
  url?: string;
  command?: string[];
  connected: boolean;
  tools: EntryDto[];
};

export function registerAgentsCommand(program: Command, io: CliIo): void {
  const agents = program
    .command('agents')
    .description(
      'A2A agents and MCP servers of a running service: add one (a card, or an MCP server), list, refresh, remove',
    );
  const withService = (command: Command): Command =>
    command
      .option('--service <url>', `the service (default: SWARM_ROUTER_URL or ${DEFAULT_SERVICE})`)
      .option('--json', 'JSON output');

  withService(
    agents
      .command('add')
      .description(
        'register an A2A agent by its card (a URL, the card or the agent, or a JSON file), or an MCP server (--mcp-url, --mcp)',
      )
      .argument('[url|file...]', 'an http(s) URL, or a card file (- for standard input)')
      .option(
        '--mcp [command...]',
        'an MCP server the service runs and speaks to over stdio (needs serve --allow-mcp-commands); arguments that start with - go after --',
      )
      .option('--mcp-url <url>', 'an MCP server over Streamable HTTP')
      .option(
        '--id <agent_id>',
        "the agent's (or server's) id in the swarm (default: from the card's name, or the server's)",
      )
      .option('--rate <sats>', 'its price when the card states none (default 50); a tool’s (default 0)'),
  ).action(async (operands: string[], flags: AddFlags) => {
    const body = await addBody(operands, flags);
    if (flags.id !== undefined) body.agent_id = flags.id;
    if (flags.rate !== undefined) {
      if (!/^\d+$/.test(flags.rate)) throw badArgument('--rate', 'an integer ≥ 0', flags.rate);
      body.rate_sats = Number(flags.rate);
    }
    if (body.agent_card === undefined && body.agent_card_url === undefined) {
      const answer = await call<{ mcp_server: McpServerDto }>(io, flags, 'POST', '/v1/agents', body);
      await print(io, flags, answer, () => describeServer(answer.mcp_server));
      return;
    }
    const { agent } = await call<{ agent: CardAgentDto }>(io, flags, 'POST', '/v1/agents', body);
    await print(io, flags, { agent }, () => describe(agent));
  });

  withService(
    agents.command('list').description('the A2A agents and their skills, the MCP servers and their tools'),
  ).action(async (flags: ServiceFlags) => {
    const answer = await call<{ agents: CardAgentDto[] }>(io, flags, 'GET', '/v1/cards');
    const servers = await call<{ mcp_servers: McpServerDto[] }>(io, flags, 'GET', '/v1/mcp-servers');
    await print(io, flags, { ...answer, ...servers }, () =>
      [
        answer.agents.length === 0 ? 'no A2A agents\n' : answer.agents.map(describe).join(''),
        servers.mcp_servers.length === 0
          ? 'no MCP servers\n'
          : servers.mcp_servers.map(describeServer).join(''),
      ].join(''),
    );
  });

  withService(
    agents
      .command('refresh')
      .description("read an agent's card (or list an MCP server's tools) again and apply what changed")
      .argument('<agent_id>', 'the A2A agent, or the MCP server when no A2A agent has that id'),
  ).action(async (agentId: string, flags: ServiceFlags) => {
    type Change = { added: string[]; changed: string[]; removed: string[] };
    const id = encodeURIComponent(agentId);
    const answer = await orMcpServer(
      () => call<Change & { agent: CardAgentDto }>(io, flags, 'POST', `/v1/cards/${id}/refresh`),
      () => call<Change & { mcp_server: McpServerDto }>(io, flags, 'POST', `/v1/mcp-servers/${id}/refresh`),
    );
    await print(io, flags, answer, () => {
      const list = (ids: string[]) => (ids.length === 0 ? 'none' : ids.join(', '));
      const what = 'agent' in answer ? describe(answer.agent) : describeServer(answer.mcp_server);
      return `${what}added ${list(answer.added)}; changed ${list(answer.changed)}; removed ${list(answer.removed)}\n`;
    });
  });

  withService(
    agents
      .command('remove')
      .description(
        'remove an A2A agent and its skills, or an MCP server and its tools (their decisions stay in the log)',
      )
      .argument('<agent_id>', 'the A2A agent, or the MCP server when no A2A agent has that id'),
  ).action(async (agentId: string, flags: ServiceFlags) => {
    const id = encodeURIComponent(agentId);
    const what = await orMcpServer(
      async () => {
        await call(io, flags, 'DELETE', `/v1/cards/${id}`);
        return 'A2A agent';
      },
      async () => {
        await call(io, flags, 'DELETE', `/v1/mcp-servers/${id}`);
        return 'MCP server';
      },
    );
    await print(io, flags, { removed: agentId }, () => `removed ${what} ${agentId}\n`);
  });
}

/** The body of `agents add`: a card (URL or file), or an MCP server (URL or command). */
async function addBody(operands: readonly string[], flags: AddFlags): Promise<Record<string, unknown>> {
  const ways = [
    operands.length > 0 && flags.mcp === undefined,
    flags.mcp !== undefined,
    flags.mcpUrl !== undefined,
  ];
  if (ways.filter(Boolean).length !== 1) {
    throw usageError(
      '<url|file> | --mcp-url | --mcp',
      'agents add takes one of a card (URL or file), --mcp-url URL or --mcp COMMAND…',
    );
  }
  if (flags.mcpUrl !== undefined) return { mcp_url: flags.mcpUrl };
  if (flags.mcp !== undefined) {
    const command = flags.mcp === true ? [...operands] : [...flags.mcp, ...operands];
    if (command.length === 0) throw badArgument('--mcp', 'a command and its arguments', '');
    return { mcp_command: command };
  }
  const [source, ...rest] = operands as [string, ...string[]];
  if (rest.length > 0) throw badArgument('<url|file>', 'one URL or file', operands.join(' '));
  return /^https?:\/\//i.test(source)
    ? { agent_card_url: source }
    : { agent_card: parseJson(await readInput(source), source) };
}

/** An A2A agent's operation, else, when no A2A agent has the id, the MCP server's of that id. */
async function orMcpServer<A, M>(asAgent: () => Promise<A>, asServer: () => Promise<M>): Promise<A | M> {
  try {
    return await asAgent();
  } catch (error) {
    if (!(error instanceof RouterError && error.code === 'unknown_agent')) throw error;
    try {
      return await asServer();
    } catch (serverError) {
      if (!(serverError instanceof RouterError && serverError.code === 'unknown_agent')) throw serverError;
      throw new RouterError(error.code, `${error.message}, and no MCP server has that id`, { cause: error });
    }
  }
}

function describeServer(server: McpServerDto): string {
  const where = server.transport === 'http' ? server.url : (server.command ?? []).join(' ');
  const lines = [
    `${server.server_id}  ${server.name} ${server.version} (MCP over ${server.transport}: ${where})${server.connected ? '' : '  not connected'}`,
    ...server.tools.map(describeEntry),
  ];
  return `${lines.join('\n')}\n`;
}

function describeEntry(s: EntryDto): string {
  return `  ${s.agent_id.padEnd(32)} ${String(s.rate_sats).padStart(6)} sat  ${s.status.padEnd(7)}  ${s.capabilities.join(', ')}`;
}

function describe(agent: CardAgentDto): string {
  const lines = [
    `${agent.agent_id}  ${agent.name} ${agent.version} (A2A ${agent.protocol_version})  ${agent.endpoints[0]?.url ?? ''}`,
    ...agent.skills.map(describeEntry),
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
