// swarm-router/client: the HTTP client an agent process uses. Named re-exports only.
export { AgentClient, type AgentDto, type AgentRegistration } from './agent-client.js';
export {
  type EventStreamOptions,
  SwarmApiError,
  SwarmClient,
  type SwarmClientOptions,
  type SwarmEvent,
  type TaskDto,
} from './swarm-client.js';
