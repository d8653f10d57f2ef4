-- Timers are claimed from the database (PostgresStore.dueTasks): a due task is leased to one instance
-- until claimed_until_ms, and skipped by the others (FOR UPDATE SKIP LOCKED, then the lease); a commit
-- of the task clears the lease. A crashed instance's leases run out and another instance takes over.
ALTER TABLE tasks ADD COLUMN claimed_until_ms bigint;

-- Every transaction that adds events tells the other instances once, at commit (NOTIFY is delivered
-- on commit and folded to one per transaction). The channel is per schema, so several stores on one
-- database do not wake each other; the payload is empty: listeners read the events from the table.
CREATE FUNCTION notify_task_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('swarm_router_' || TG_TABLE_SCHEMA, '');
  RETURN NULL;
END
$$;
CREATE TRIGGER task_events_notify AFTER INSERT ON task_events
  FOR EACH STATEMENT EXECUTE FUNCTION notify_task_events();
