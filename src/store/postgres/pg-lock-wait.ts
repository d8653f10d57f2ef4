/** SQLSTATE lock_not_available: a NOWAIT lock found the row held by another transaction. */
const LOCK_NOT_AVAILABLE = '55P03';

/** Whether a statement failed because a NOWAIT lock found its row held (see lockingWithoutWaitFirst). */
function isLockNotAvailable(error: unknown): boolean {
  return (error as { code?: unknown })?.code === LOCK_NOT_AVAILABLE;
}

/**
 * Runs a statement that locks task rows (lock_tasks_in_order, migration 0006) first without waiting;
 * when a row is held by another transaction the statement fails having written nothing, and runs
 * again waiting for the locks in order. So a wait is counted exactly once per statement that waited,
 * and the common case pays for no subtransaction or second statement.
 */
export async function lockingWithoutWaitFirst<T>(
  run: (wait: boolean) => Promise<T>,
  waited: () => void,
): Promise<T> {
  try {
    return await run(false);
  } catch (error) {
    if (!isLockNotAvailable(error)) throw error;
    waited();
    return run(true);
  }
}
