-- tasks.claimed_until_ms: timers are claimed from the database (PostgresStore.dueTasks). A due task
-- is leased to one instance until claimed_until_ms, and skipped by the others (FOR UPDATE SKIP
-- LOCKED, then the lease); a commit of the task clears the lease. A crashed instance's leases run out
-- and another instance takes over.
ALTER TABLE tasks ADD COLUMN claimed_until_ms bigint;
