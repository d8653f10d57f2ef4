/**
 * Synthetic rosters for the scale benchmark (bench/scale-roster.ts): manifests on the wire, as
 * `POST /v1/agents` takes them, deterministic for a seed. Two shapes:
 *
 * - `agents`: agents as people write them — 2 to 5 capability tags, a few keywords, a one- or
 *   two-sentence description and 10 example tasks;
 * - `tools`: tools as an imported MCP tool list gives them — one skill-like tag and a one-line
 *   description, nothing else, so 50,000 tools are 50,000 small manifests.
 *
 * Agent `i` depends only on the seed, the shape and `i`, so a roster of 1,000 is the first 1,000 of
 * a roster of 10,000: figures at two sizes differ by the agents added, not by a reshuffle.
 */
import { seededRandom } from '../src/kernel/seeded-random.js';
import type { ManifestDto } from '../src/wire/manifest-dto.js';

export type RosterShape = 'agents' | 'tools';

const DOMAINS = (
  'billing invoice payroll tax contract legal compliance security network kubernetes ' +
  'database analytics dashboard marketing seo email calendar travel recruiting onboarding ' +
  'support ticket crm sales inventory shipping logistics procurement forecast translation ' +
  'image video audio transcript documentation testing deployment monitoring logging ' +
  'incident weather maps finance stock healthcare nutrition fitness education research ' +
  'patent news social'
).split(' ');

const SKILLS = (
  'parsing search reporting review summarization scheduling migration classification ' +
  'extraction generation validation alerting'
).split(' ');

/** 52 × 12 = 624 capability tags, e.g. `billing-extraction`. */
export const TAG_VOCABULARY: readonly string[] = DOMAINS.flatMap((d) => SKILLS.map((s) => `${d}-${s}`));

const VERBS = (
  'check draft review update compare find explain fix plan track summarize export import ' +
  'cancel approve list create delete merge audit'
).split(' ');
const NOUNS = (
  'report record request file summary issue plan query schedule entry account order policy ' +
  'template batch note alert profile budget draft'
).split(' ');
const ADJECTIVES = (
  'quarterly urgent internal customer monthly weekly pending failed new shared archived ' +
  'regional overdue duplicate annual open'
).split(' ');
const QUALIFIERS = [
  'for the team',
  'before Friday',
  'from last month',
  'in the EU region',
  'for a new client',
  'for the board meeting',
  'after the outage',
  'for the audit',
  'with the latest figures',
  'for the Berlin office',
  'since the last release',
  'for tomorrow morning',
] as const;
const ROLES = 'assistant analyst bot helper agent specialist planner reviewer advisor'.split(' ');

type Random = () => number;

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const capitalise = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/**
 * A seed of its own for agent `index`, mixed: mulberry32's state steps by a constant, so seeds i and
 * i + 1 would give the same stream shifted by one step.
 */
function agentRandom(seed: number, shape: RosterShape, index: number): Random {
  return seededRandom(
    Math.imul(seed ^ (shape === 'tools' ? 0x9e3779b9 : 0), 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35),
  );
}

function sentence(random: Random, domain: string): string {
  return `${capitalise(pick(random, VERBS))} the ${pick(random, ADJECTIVES)} ${domain} ${pick(random, NOUNS)} ${pick(random, QUALIFIERS)}`;
}

function fullAgent(random: Random, index: number): ManifestDto {
  const domain = pick(random, DOMAINS);
  const tags = new Set<string>();
  const tagCount = 2 + Math.floor(random() * 4);
  while (tags.size < tagCount) {
    // Mostly the agent's own domain, now and then a neighbouring one, as real agents overlap.
    tags.add(`${random() < 0.75 ? domain : pick(random, DOMAINS)}-${pick(random, SKILLS)}`);
  }
  const capabilities = [...tags];
  const keywords = Array.from({ length: Math.floor(random() * 4) }, () => pick(random, NOUNS));
  const skills = [...new Set(capabilities.map((t) => t.slice(t.indexOf('-') + 1)))];
  let description = `Handles ${domain} work: ${skills.join(', ')}.`;
  if (random() < 0.5)
    description += ` Can also ${pick(random, VERBS)} ${pick(random, NOUNS)}s ${pick(random, QUALIFIERS)}.`;
  return {
    agent_id: `agent-${String(index).padStart(6, '0')}`,
    agent_name: `${capitalise(domain)} ${pick(random, ROLES)} ${index}`,
    capabilities,
    keywords: [...new Set(keywords)],
    rate_sats: 5 + Math.floor(random() * 96),
    description,
    examples: Array.from({ length: 10 }, () => sentence(random, domain)),
  };
}

function tool(random: Random, index: number): ManifestDto {
  const domain = pick(random, DOMAINS);
  const verb = pick(random, VERBS);
  const noun = pick(random, NOUNS);
  return {
    agent_id: `${domain}.${verb}_${noun}.${index}`,
    agent_name: `${verb}_${noun}`,
    capabilities: [`${domain}-${pick(random, SKILLS)}`],
    keywords: [],
    rate_sats: 1 + Math.floor(random() * 20),
    description: `${capitalise(verb)} a ${pick(random, ADJECTIVES)} ${domain} ${noun} and return it.`,
  };
}

/** Manifest `index` of the roster of this shape and seed. */
export function generateAgent(shape: RosterShape, seed: number, index: number): ManifestDto {
  const random = agentRandom(seed, shape, index);
  return shape === 'tools' ? tool(random, index) : fullAgent(random, index);
}

/** The first `count` manifests of the roster of this shape and seed; ids are unique. */
export function generateRoster(shape: RosterShape, count: number, seed: number): ManifestDto[] {
  return Array.from({ length: count }, (_, i) => generateAgent(shape, seed, i));
}

/**
 * A task text that one of `agent`'s tags answers, in the words tasks use ("extract the overdue
 * invoice entry for the audit"), so routing has a real choice to make among the bidders.
 */
export function taskFor(agent: ManifestDto, random: Random): string {
  const tag = pick(random, agent.capabilities);
  const [domain = 'general', skill = 'review'] = tag.split('-');
  return `${capitalise(skill)} needed: ${sentence(random, domain).toLowerCase()}.`;
}
