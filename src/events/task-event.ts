/**
 * What happens to tasks, as events: written to the store in the same transaction as the change they
 * describe, numbered by the store (`eventId`, strictly increasing), and fanned out to subscribers
 * (SSE clients, the dashboard, metrics) after the commit. Names are `noun:past-verb` (STYLE.md §3).
 */
export const TASK_EVENT_KINDS = [
  'task:posted',
  'bid:received',
  'task:decided',
  'task:assigned',
  'task:accepted',
  'task:rejected',
  'reservation:expired',
  'task:completed',
  'task:failed',
  'task:unassigned',
  'task:expired',
] as const;
export type TaskEventKind = (typeof TASK_EVENT_KINDS)[number];

/** Scalar facts of an event (status, bid, seq, reason, …), kept as JSON. */
export type EventData = Readonly<Record<string, string | number | boolean | null>>;

/** An event before the store numbered it. */
export interface NewTaskEvent {
  readonly kind: TaskEventKind;
  readonly taskId: string;
  /** The agent the event is about (the bidder, the assignee), if any. */
  readonly agentId: string | null;
  readonly atMs: number;
  readonly data: EventData;
}

export interface TaskEvent extends NewTaskEvent {
  readonly eventId: number;
}
