import type { AgentManifest } from '../manifest/manifest.js';
import type { Decision, LoggedDecision } from '../policy/decision.js';
import { withSelectedSkill } from './a2a-dto.js';
import { decisionRecord } from './decision-dto.js';
import { withSelectedTool } from './mcp-dto.js';

/**
 * A routing decision as `POST /v1/route` and `swarm-router route --json` answer it: the log's record
 * (its own JSON text, field order included), then `selected_tool` when the selected entry is a tool
 * of an MCP server, or `selected_skill` when it is a skill of an A2A agent, so the caller knows what
 * to call, and where.
 */
export function routeAnswer(
  decision: Decision | LoggedDecision,
  manifestOf: (agentId: string) => AgentManifest | undefined,
): string {
  const selected = selectedManifest(decision, manifestOf);
  return withSelectedSkill(withSelectedTool(decisionRecord(decision), selected), selected, decision);
}

/** The manifest of the decision's selected entry, if any is selected and it is still registered. */
export function selectedManifest(
  decision: Pick<Decision, 'selectedAgent'>,
  manifestOf: (agentId: string) => AgentManifest | undefined,
): AgentManifest | undefined {
  return decision.selectedAgent === null ? undefined : manifestOf(decision.selectedAgent);
}
