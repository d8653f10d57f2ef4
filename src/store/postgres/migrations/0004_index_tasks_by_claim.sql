-- When the next timer is due (PostgresStore.nextDueMs) is read from two indexes rather than a scan of
-- every task with a due time: the soonest unclaimed due time, and the soonest end of a claim.
CREATE INDEX tasks_by_claim ON tasks (claimed_until_ms) WHERE claimed_until_ms IS NOT NULL;
