import type { Config } from '../config/config.js';
import { RouterError } from '../kernel/errors.js';
import { type BidNormalisation, createRouter } from '../router/create-router.js';
import type { Router } from '../router/router.js';
import { createStore, displayLocation, holdsAuditLog } from '../store/create-store.js';
import type { Store } from '../store/store.js';
import { parseCandidatesKept } from './candidates-kept-option.js';
import { asFlagError, usageError } from './cli-error.js';
import { parseMinCapability } from './min-capability-option.js';
import { loadRelatedTerms } from './related-terms-file.js';
import { loadRoster, STORED_ROSTER } from './roster.js';
import { parseSemantic } from './semantic-option.js';

export interface OpenRouterOptions {
  readonly config: Config;
  /** Open the audit log (default true). */
  readonly log?: boolean;
  /** Register the roster (default true; reading commands do not need it). */
  readonly withRoster?: boolean;
  readonly allowUnregisteredBidders?: boolean;
  /** Reading commands: refuse to create a new, empty log where none exists. */
  readonly logMustExist?: boolean;
  /** The service: compile the roster in the background (createRouter's backgroundCompile). */
  readonly backgroundCompile?: boolean;
  /** SQLite: who checkpoints the write-ahead log (SqliteStoreConfig.checkpoints). Default inline. */
  readonly checkpoints?: 'inline' | 'worker';
}

/**
 * Builds the router a command needs. The roster and scorer are validated before the database is
 * opened, so a bad flag never creates or touches the log file.
 */
export async function openRouter(options: OpenRouterOptions): Promise<Router> {
  return (await openRouterAndStore(options)).router;
}

/** openRouter, and the store behind it (the service keeps its agent directory there too). */
export async function openRouterAndStore(
  options: OpenRouterOptions,
): Promise<{ router: Router; store: Store | undefined }> {
  const stored = options.withRoster !== false && options.config.roster === STORED_ROSTER;
  const location = options.config.db;
  // Nor a SQLite file of another program's, nor an empty PostgreSQL schema holds one: opening the
  // store would make a log there. Probed once, before anything is opened, where a log must exist.
  const hasLog =
    (stored || options.logMustExist === true) && location !== ':memory:'
      ? await holdsAuditLog(location)
      : undefined;
  if (stored && hasLog !== true) {
    throw usageError(
      '--roster',
      `--roster stored reads the agents a service stored in its audit log, and there is no audit log at ${displayLocation(location)} (pass the service's --db)`,
    );
  }
  // After the probe: `mcp` asks for no log where there is none, and that is what to say then.
  if (stored && options.log === false) {
    throw usageError(
      '--roster',
      '--roster stored reads the agents stored in the audit log: not with --no-log',
    );
  }
  let roster = options.withRoster === false || stored ? [] : await loadRoster(options.config.roster);
  // Only commands that route read the related-terms file; reading the log never needs it.
  const relatedTerms =
    options.withRoster === false ? undefined : await loadRelatedTerms(options.config.related);
  const scoring = {
    scorer: options.config.scorer,
    bidNormalisation: options.config.bidNormalisation as BidNormalisation,
    ...(options.config.minCapability === ''
      ? {}
      : { minCapability: parseMinCapability(options.config.minCapability) }),
    ...(relatedTerms === undefined ? {} : { relatedTerms }),
    ...(options.config.candidatesKept === ''
      ? {}
      : { candidatesKept: parseCandidatesKept(options.config.candidatesKept) }),
    ...(parseSemantic(options.config.semantic) ? {} : { wordVectors: false as const }),
  };
  // createRouter throws unknown_scorer; trying it before createStore keeps a bad flag off the log file.
  try {
    createRouter(scoring);
  } catch (error) {
    throw asFlagError(error);
  }
  if (options.logMustExist === true && hasLog === false) {
    throw new RouterError(
      'store_unavailable',
      `there is no audit log at ${displayLocation(location)} (route something first, or pass --db)`,
      {
        details: { path: displayLocation(location) },
      },
    );
  }
  const store =
    options.log === false
      ? undefined
      : createStore({
          location,
          ...(options.checkpoints === undefined ? {} : { checkpoints: options.checkpoints }),
        });
  const router = createRouter({
    ...scoring,
    allowUnregisteredBidders: options.allowUnregisteredBidders ?? false,
    backgroundCompile: options.backgroundCompile ?? false,
    ...(store === undefined ? {} : { store }),
  });
  // As stored when the command starts: A2A skills, MCP tools, agents that joined over HTTP.
  if (stored && store !== undefined) roster = (await store.listAgents()).map((agent) => agent.manifest);
  for (const manifest of roster) router.registerAgent(manifest);
  // A routing command on an existing log first learns back what its outcomes taught.
  if (store !== undefined && options.withRoster !== false) await router.restoreLearning();
  return { router, store };
}
