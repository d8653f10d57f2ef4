// The errors the agent directory answers about an agent id.
import { RouterError } from '../kernel/errors.js';

/** Refusals that a stale copy of the agent may have caused: worth one more try after re-reading it. */
export const STALE_REFUSALS: ReadonlySet<string> = new Set(['unknown_agent', 'not_eligible']);

export function agentExists(agentId: string): RouterError {
  return new RouterError(
    'agent_exists',
    `agent '${agentId}' is already registered (change it with PATCH /v1/agents/${agentId})`,
    { details: { agentId } },
  );
}

export function unknownAgent(agentId: string): RouterError {
  return new RouterError('unknown_agent', `agent '${agentId}' is not registered`, {
    details: { agentId },
  });
}
