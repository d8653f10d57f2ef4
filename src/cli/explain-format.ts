import type { AgentManifest } from '../manifest/manifest.js';
import type { Decision } from '../policy/decision.js';
import { idleAgents, rankCandidates } from '../policy/explain.js';
import { singular } from '../policy/filters.js';
import { selectedSkill } from '../wire/a2a-dto.js';
import { isLogged } from '../wire/decision-dto.js';
import { selectedTool } from '../wire/mcp-dto.js';

const score = (x: number | null): string => (x === null ? '  n/a' : x.toFixed(3));

/**
 * A decision for people: the verdict and the seed's reason, then every bidder best first with each
 * signal as value × weight = contribution, then the registered agents that did not bid (on a large
 * roster, the best-matching of them that the decision kept). When the selected entry (`selected`,
 * its manifest) is a tool of an MCP server or a skill of an A2A agent, a line says which, as
 * `POST /v1/route`'s `selected_tool` and `selected_skill` do.
 */
export function formatDecision(decision: Decision, selected?: AgentManifest): string {
  const lines: string[] = [];
  const seqText = isLogged(decision) ? `decision #${decision.seq}` : 'decision (not logged)';
  lines.push(`${seqText}  ${decision.decisionId}  ${new Date(decision.timestampMs).toISOString()}`);
  lines.push(`task ${decision.taskId}: ${JSON.stringify(truncate(decision.description, 200))}`);
  lines.push(
    decision.selectedAgent === null
      ? `→ no agent: ${decision.selectionReason}`
      : `→ ${decision.selectedAgent}: ${decision.selectionReason}`,
  );
  const tool = selectedTool(selected);
  if (tool !== undefined) lines.push(`  MCP tool '${tool.tool}' of server '${tool.server}'`);
  const skill = selectedSkill(selected, decision);
  if (skill !== undefined) lines.push(`  ${skill.explanation}`);
  const ranked = rankCandidates(decision);
  if (ranked.length > 0) {
    lines.push('');
    const signalHeads = decision.policy.signals.map((s) => `${s.name} (×${s.weight})`.padEnd(22));
    const agentOf = (c: (typeof ranked)[number]) =>
      c.capability === null ? `${c.agentId} (unregistered)` : c.agentId;
    // As wide as the longest id shown (tool and skill entries run past the personas' 16), up to 40.
    const width = Math.min(40, Math.max(16, ...ranked.map((c) => agentOf(c).length)));
    lines.push(`  rank  ${'agent'.padEnd(width)} ${'bid'.padStart(8)}  ${signalHeads.join('')}combined`);
    for (const c of ranked) {
      const parts = c.breakdown.map((s) => `${score(s.value)} → ${score(s.contribution)}`.padEnd(22));
      lines.push(
        `  ${String(c.rank).padStart(4)}  ${agentOf(c).padEnd(width)} ${`${c.bidSats} sat`.padStart(8)}  ${parts.join('')}${score(c.combined)}` +
          (c.rejection === null ? '' : `  refused: ${singular(c.rejection)}`),
      );
    }
  }
  const idle = idleAgents(decision);
  const unkept = decision.rosterSize - decision.agentIds.length;
  if (idle.length > 0) {
    // A large roster's decision keeps only the best-matching agents that did not bid.
    const best = unkept > 0 ? ` (best ${idle.length} of ${idle.length + unkept})` : '';
    lines.push(`  no bid${best}: ${idle.map((c) => `${c.agentId} ${score(c.capability)}`).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
