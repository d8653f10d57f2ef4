-- No trigger announces new events: the store announces its commits itself, after they commit and at
-- most every so often per instance (pg-notifications.ts). A transaction that sends a NOTIFY takes one
-- database-wide lock from its pre-commit to its end, so every such commit would wait for the one
-- before it, its WAL flush included. Drops the trigger and its function where a schema has them.
DROP TRIGGER IF EXISTS task_events_notify ON task_events;
DROP FUNCTION IF EXISTS notify_task_events();
