import type pg from 'pg';

/** What lock_tasks_in_order (functions/lock_tasks_in_order.sql) puts in the hint of the notice it sends before it waits. */
const ROW_LOCK_WAIT_HINT = 'swarm-router:row-lock-wait';

/**
 * Counts the task-row lock waits of every connection `pool` opens: lock_tasks_in_order tries its rows
 * without waiting first and, finding one held by another transaction, tells the client with a notice
 * (its detail: how many writes the caller's batch holds up) before it waits in the same statement.
 * The notice is sent as it is raised, so a wait is counted while it lasts.
 */
export function countRowLockWaits(pool: pg.Pool, waited: (writes: number) => void): void {
  pool.on('connect', (client) => {
    client.on('notice', (notice) => {
      if (notice.hint !== ROW_LOCK_WAIT_HINT) return;
      const writes = Number(notice.detail);
      waited(Number.isSafeInteger(writes) && writes > 0 ? writes : 1);
    });
  });
}
