import { Option } from 'commander';
import { DEFAULT_CONFIG } from '../config/config.js';
import { parseCandidatesKept } from './candidates-kept-option.js';
import { parseMinCapability } from './min-capability-option.js';
import { parseTime } from './parse-time.js';
import { parseSemantic } from './semantic-option.js';

/*
 * The options several commands take, each defined once (flag, help text, parser) so that every
 * command spells, documents and checks it the same way. A factory per option because commander
 * keeps per-command state on an Option. Parsers run while commander reads the command line, so a
 * bad value is refused before any file or database is opened; they throw the CLI's usage errors
 * (badArgument), which main ends with a pointer to the command's --help.
 */

/** `--db`: where the audit log is (flag < SWARM_ROUTER_DB < DATABASE_URL < default, in config/). */
export function dbOption(): Option {
  return new Option(
    '--db <file|url>',
    `audit log: a SQLite file or a postgres:// URL (default: ${DEFAULT_CONFIG.db})`,
  );
}

/**
 * What `--roster` is for in each command. Commands that only read the log accept it so a script can
 * pass the same flags to every command; there it is checked but not needed. A file is a roster
 * (`{"agents"}`), an MCP tool list (`{"tools"}`) or an A2A agent card (agents-file.ts); `stored` is
 * the agents a service stored in the log at --db, which serve always reads, so there it means none.
 */
const ROSTER_FILE = 'a file (a roster {"agents"}, an MCP tool list {"tools"} or an A2A agent card)';
const ROSTER_STORED =
  'stored (the agents a service stored in the log at --db: A2A skills, MCP tools, agents joined over HTTP)';
const ROSTER_USES = {
  route: {
    flags: '--roster <file|personas|stored>',
    help: `agents to route to: ${ROSTER_FILE}, personas (the default: six built-in agents) or ${ROSTER_STORED}`,
  },
  read: {
    flags: '--roster <file|personas|stored>',
    help: 'accepted (and checked) like route; the log alone answers this command',
  },
  stats: {
    flags: '--roster <file|personas|stored>',
    help: `also list the roster's agents that the log has not seen yet: ${ROSTER_FILE}, personas or ${ROSTER_STORED}`,
  },
  serve: {
    flags: '--roster <file|personas|none>',
    help: `agents known from the start, besides those it stored: ${ROSTER_FILE}, personas (the default) or none (the default with --demo, whose agents register over HTTP; stored means the same)`,
  },
} as const satisfies Record<string, { flags: string; help: string }>;

export type RosterUse = keyof typeof ROSTER_USES;

/** `--roster`: a file, `personas`, `stored` (or serve's `none`); a file is validated whole when it is loaded. */
export function rosterOption(use: RosterUse): Option {
  return new Option(ROSTER_USES[use].flags, ROSTER_USES[use].help);
}

/**
 * `--scorer`: no commander default, so SWARM_ROUTER_SCORER still applies where config/ reads it; an
 * unknown name is refused by the router, which knows the registered scorers. eval ranks by the
 * capability match alone, so only the routing commands bring the seed's policy with `classic`.
 */
export function scorerOption(): Option {
  return new Option(
    '--scorer <name>',
    "capability scorer: default, or classic (the seed's; when routing, with the seed's policy)",
  );
}

/** `--semantic`: the default scorer's semantic channel on or off; checked as it is read. */
export function semanticOption(): Option {
  return checkedTextOption(
    '--semantic <on|off>',
    'default scorer: also match by meaning, with the word vectors shipped in the package (on, the default) or on words alone (off)',
    parseSemantic,
  );
}

/** `--related`: extra related terms for the default scorer; the file is validated when it is read. */
export function relatedOption(): Option {
  return new Option(
    '--related <file>',
    'related terms for the default scorer: {"terms": {tag: [words]}, "replace_builtin"?}',
  );
}

/**
 * `--min-capability`: checked as it is read, but kept as text so it goes through config/ like
 * SWARM_ROUTER_MIN_CAPABILITY (which is checked by the same function when the router is built).
 */
export function minCapabilityOption(): Option {
  return checkedTextOption(
    '--min-capability <x>',
    'default policy: a bidder whose match is below this is refused ("no suitable agent" when all are): auto (default: estimated from the roster\'s examples, at least 0.04; 0.02 without examples) or 0..1; calibrate with eval --oos',
    parseMinCapability,
  );
}

/** `--candidates-kept`: checked as it is read, kept as text like --min-capability. */
export function candidatesKeptOption(): Option {
  return checkedTextOption(
    '--candidates-kept <n>',
    'on a roster larger than this, a decision keeps the match of its bidders and the n best-matching others (default 20; every agent with classic)',
    parseCandidatesKept,
  );
}

/** An option whose text `parse` checks at once (a bad value fails there) and that is kept as text. */
function checkedTextOption(flags: string, description: string, parse: (text: string) => unknown): Option {
  return new Option(flags, description).argParser((text: string) => {
    parse(text);
    return text;
  });
}

/**
 * `--no-log`: decide without opening or writing the audit log. `mcp` never writes one; there it
 * means not reading what its outcomes taught either.
 */
export function noLogOption(help = 'do not write decisions to the audit log'): Option {
  return new Option('--no-log', help);
}

/** `--since`: epoch milliseconds once parsed. */
export function sinceOption(): Option {
  return new Option(
    '--since <time>',
    'only decisions at or after this time (ISO 8601 or epoch ms)',
  ).argParser((text: string) => parseTime('--since', text));
}
