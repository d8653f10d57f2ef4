import type { NewTaskEvent } from '../events/task-event.js';
import type { Task } from '../tasks/task.js';

/** The events a lifecycle step commits with its task (TaskService), each carrying the task's new status. */
export function event(
  kind: NewTaskEvent['kind'],
  task: Task,
  agentId: string | null,
  atMs: number,
  data: NewTaskEvent['data'],
): NewTaskEvent {
  return { kind, taskId: task.taskId, agentId, atMs, data: { status: task.status, ...data } };
}

/** The event of where a task went after an offer ended: to the next candidate, or nobody. */
export function offerEvents(task: Task, atMs: number, reason?: string): NewTaskEvent[] {
  if (task.status === 'offered') {
    return [
      event('task:assigned', task, task.assignedAgent, atMs, {
        reservedUntilMs: task.reservedUntilMs,
        attempt: task.offerIndex + 1,
      }),
    ];
  }
  if (task.status === 'unassigned') {
    return [
      event('task:unassigned', task, null, atMs, {
        reason: reason ?? `no candidate left (${task.candidates.length} tried)`,
      }),
    ];
  }
  return [];
}
