import type { AgentManifest } from '../manifest/manifest.js';
import type { PolicyOutcome } from '../policy/decision.js';

/** What `selected_skill` says: which A2A agent was chosen, for which of its skills, and why. */
export interface SelectedSkill {
  readonly agent: string;
  readonly skill: string;
  readonly skill_name: string;
  readonly explanation: string;
}

/**
 * The agent and skill, and why, when the selected entry is a skill of an A2A agent
 * (`selected_skill` of `POST /v1/route`, `GET /v1/tasks/{id}` and `swarm-router route`).
 */
export function selectedSkill(
  selected: AgentManifest | undefined,
  decision: Pick<PolicyOutcome, 'bidders'>,
): SelectedSkill | undefined {
  const reach = selected?.a2a;
  if (selected === undefined || reach === undefined) return undefined;
  const bid = decision.bidders.find((b) => b.agentId === selected.agentId);
  const tags = selected.capabilities.length === 0 ? '' : `, tagged ${selected.capabilities.join(', ')}`;
  const match = bid?.capability == null ? '' : ` (capability ${bid.capability.toFixed(2)})`;
  const explanation =
    `skill '${reach.skillName}' of A2A agent '${reach.agent}' (${reach.cardName}${tags}) matched the task${match} ` +
    `and won with a bid of ${bid?.bidSats ?? selected.rateSats} sats (A2A agents do not bid: the router bids ` +
    `for their skills at the agent's rate, ${selected.rateSats} sats); the task goes to that agent, ` +
    `at ${reach.endpoints[0]?.url ?? 'the endpoint of its card'}, for that skill`;
  return { agent: reach.agent, skill: reach.skill, skill_name: reach.skillName, explanation };
}

/**
 * A decision record (the log's JSON text) as the API answers it when the selected entry is a skill of
 * an A2A agent: with `"selected_skill": {"agent", "skill", "skill_name", "explanation"}` after the
 * record's fields. The logged record itself is unchanged (its selected id, `<agent>:<skill>`, names
 * both).
 */
export function withSelectedSkill(
  record: string,
  selected: AgentManifest | undefined,
  decision: Pick<PolicyOutcome, 'bidders'>,
): string {
  const skill = selectedSkill(selected, decision);
  if (skill === undefined) return record;
  return `${record.slice(0, -1)},"selected_skill":${JSON.stringify(skill)}}`;
}
