import { v7 as uuidv7 } from 'uuid';

/**
 * Decision ids are UUIDv7: unique across instances without coordination, and they sort by creation
 * time, which keeps them readable in logs. The sequence number, not the id, orders the audit log.
 */
export function newDecisionId(nowMs: number): string {
  return uuidv7({ msecs: nowMs });
}

/** Task ids for tasks routed without one (the CLI's single `route`). */
export function newTaskId(nowMs: number): string {
  return `task-${uuidv7({ msecs: nowMs })}`;
}
