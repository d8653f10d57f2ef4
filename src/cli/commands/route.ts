import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { isRouterError, RouterError } from '../../kernel/errors.js';
import type { Decision } from '../../policy/decision.js';
import type { RouteRequest } from '../../router/route-request.js';
import type { Router } from '../../router/router.js';
import { decisionBatchLine } from '../../wire/decision-dto.js';
import { routeAnswer, selectedManifest } from '../../wire/route-answer.js';
import { badArgument, usageError } from '../cli-error.js';
import { formatDecision } from '../explain-format.js';
import { type CliIo, write } from '../io.js';
import { openRouter } from '../open-router.js';
import { startProgress } from '../progress.js';
import {
  candidatesKeptOption,
  dbOption,
  minCapabilityOption,
  noLogOption,
  relatedOption,
  rosterOption,
  scorerOption,
  semanticOption,
} from '../shared-options.js';
import { readWorkload } from '../workload.js';

interface RouteFlags {
  readonly bid: string[];
  readonly batch?: string;
  readonly taskId?: string;
  readonly roster?: string;
  readonly scorer?: string;
  readonly related?: string;
  readonly bidNormalisation?: string;
  readonly minCapability?: string;
  readonly candidatesKept?: string;
  readonly semantic?: string;
  readonly db?: string;
  readonly log: boolean;
  readonly json?: boolean;
  readonly allowUnregistered?: boolean;
  readonly require: string[];
  readonly maxBid?: string;
  readonly exclude: string[];
}

export function registerRouteCommand(program: Command, io: CliIo): void {
  program
    .command('route')
    .description('route one task (explained) or a batch workload (decisions JSONL on stdout)')
    .argument('[description]', 'the task text')
    .option('--bid <agent=sats>', 'a bid, repeatable, in arrival order', collect, [])
    .option('--batch <file>', 'route every task of a JSONL workload (- for stdin)')
    .option('--task-id <id>', 'task id for a single task (default: generated)')
    .addOption(rosterOption('route'))
    .addOption(scorerOption())
    .addOption(relatedOption())
    .option(
      '--bid-normalisation <how>',
      'default policy: bids scored against those received (default), the seed band, or the agent rate: received|band|rate',
    )
    .addOption(minCapabilityOption())
    .addOption(candidatesKeptOption())
    .addOption(semanticOption())
    .addOption(dbOption())
    .addOption(noLogOption())
    .option('--json', 'print the full decision record as JSON')
    .option('--require <tag>', 'a capability tag the agent must declare, repeatable', collect, [])
    .option('--max-bid <sats>', 'refuse bids above this many sats')
    .option('--exclude <agent>', 'an agent that must not get the task, repeatable', collect, [])
    .option('--allow-unregistered', 'seed behaviour: unregistered bidders take part with capability 0')
    .action(async (description: string | undefined, flags: RouteFlags) => {
      const config = loadConfig(
        {
          db: flags.db,
          roster: flags.roster,
          scorer: flags.scorer,
          related: flags.related,
          bidNormalisation: flags.bidNormalisation,
          minCapability: flags.minCapability,
          candidatesKept: flags.candidatesKept,
          semantic: flags.semantic,
        },
        io.env,
      );
      if (flags.batch !== undefined) {
        if (description !== undefined || flags.bid.length > 0) {
          throw badArgument(
            '--batch',
            'no description or --bid with a batch file',
            description ?? flags.bid.join(' '),
          );
        }
        await routeBatch(
          io,
          flags.batch,
          await openRouter({
            config,
            log: flags.log,
            allowUnregisteredBidders: flags.allowUnregistered ?? false,
            // The log's checkpoints run on the other core while this one routes.
            checkpoints: 'worker',
          }),
        );
        return;
      }
      if (description === undefined) {
        throw usageError('[description]', 'route needs a task description or --batch FILE');
      }
      const dto = {
        ...(flags.taskId === undefined ? {} : { task_id: flags.taskId }),
        description,
        bids: flags.bid.map(parseBidFlag),
        ...(flags.require.length === 0 ? {} : { required_capabilities: flags.require }),
        ...(flags.maxBid === undefined ? {} : { max_bid_sats: parseSatsFlag('--max-bid', flags.maxBid) }),
        ...(flags.exclude.length === 0 ? {} : { exclude: flags.exclude }),
      };
      // Loaded here: the schema validator and its libraries are start-up time a batch does not need.
      const { toRouteRequest, validateRouteRequestDto } = await import('../../wire/route-dto.js');
      const request = toRouteRequest(validateRouteRequestDto(dto, 'route'));
      const router = await openRouter({
        config,
        log: flags.log,
        allowUnregisteredBidders: flags.allowUnregistered ?? false,
      });
      try {
        let decision: Decision;
        try {
          decision = router.hasLog ? await router.route(request) : router.decide(request);
        } catch (error) {
          throw withAllowUnregisteredHint(error);
        }
        // Named as POST /v1/route names them: the tool and its server, or the A2A agent and skill.
        const manifestOf = (agentId: string) => router.registry.get(agentId);
        await write(
          io.stdout,
          flags.json === true
            ? `${routeAnswer(decision, manifestOf)}\n`
            : formatDecision(decision, selectedManifest(decision, manifestOf)),
        );
        if (flags.json !== true && router.hasLog) await write(io.stdout, `  logged to ${config.db}\n`);
      } finally {
        await router.close();
      }
    });
}

async function routeBatch(io: CliIo, file: string, router: Router): Promise<void> {
  try {
    let requests: RouteRequest[];
    try {
      requests = await readWorkload(file, router);
    } catch (error) {
      throw withAllowUnregisteredHint(error);
    }
    const progress = startProgress(io, requests.length, 'routing');
    const started = performance.now();
    let routed = 0;
    let firstSeq: number | undefined;
    let lastSeq: number | undefined;
    for await (const chunk of router.routeBatch(requests)) {
      let out = '';
      for (const decision of chunk) out += `${decisionBatchLine(decision)}\n`;
      await write(io.stdout, out);
      routed += chunk.length;
      const seqs = chunk.map(seqOf);
      firstSeq ??= seqs[0];
      lastSeq = seqs.at(-1);
      progress.update(routed);
    }
    progress.stop();
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(routed / seconds) : routed;
    const logged =
      router.hasLog && firstSeq !== undefined
        ? `; logged as #${firstSeq}..#${lastSeq}`
        : router.hasLog
          ? ''
          : '; not logged';
    await write(
      io.stderr,
      `routed ${routed.toLocaleString('en-US')} tasks in ${seconds.toFixed(2)} s (${rate.toLocaleString('en-US')} decisions/s)${logged}\n`,
    );
  } finally {
    await router.close();
  }
}

/**
 * The router refuses a bid from an agent outside the roster (unknown_agent, naming the bid's field)
 * without knowing that this command has a flag for the seed's behaviour; the message names it.
 */
function withAllowUnregisteredHint(error: unknown): unknown {
  if (!isRouterError(error) || error.code !== 'unknown_agent') return error;
  const field = error.details?.field;
  if (typeof field !== 'string' || !field.startsWith('bids[')) return error;
  return new RouterError(
    error.code,
    `${error.message} (pass --allow-unregistered to let unregistered bidders take part with capability 0)`,
    { details: error.details, cause: error },
  );
}

function seqOf(decision: Decision): number | undefined {
  return (decision as { seq?: number }).seq;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A whole number of sats ≥ 0. */
function parseSatsFlag(option: string, text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw badArgument(option, 'an integer ≥ 0', text);
  }
  return Number(text);
}

/** `--bid forge=50`; the last `=` splits, so agent ids may contain `=`. */
function parseBidFlag(text: string): { agent_id: string; bid_sats: number } {
  const at = text.lastIndexOf('=');
  const agentId = at === -1 ? '' : text.slice(0, at);
  const sats = at === -1 ? '' : text.slice(at + 1);
  if (agentId === '' || !/^[0-9]+$/.test(sats) || !Number.isSafeInteger(Number(sats))) {
    throw badArgument('--bid', 'agent=sats with sats an integer ≥ 0', text);
  }
  return { agent_id: agentId, bid_sats: Number(sats) };
}
