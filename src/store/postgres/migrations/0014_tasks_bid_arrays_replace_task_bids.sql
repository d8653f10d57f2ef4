-- A task's bids are kept in its own row, in three arrays in arrival order, rather than in task_bids:
-- every bid rewrites the task's row anyway (its version is bumped), so appending the bid there costs
-- little, where a row of task_bids cost an insert into its table and primary key, and every answer
-- and read of a task gathered its bids from that table again. A task read is one statement.
--
-- The bids of task_bids move into their tasks' rows, in arrival order, and the table is dropped.
-- add_bids (functions/) appends to the arrays and answers with the task as stored, its bids included:
-- its result type changed, so a schema's older add_bids is dropped here for the new one to be created.
-- An instance that reads or writes task_bids cannot share a schema with this one: the instances of
-- one deployment are upgraded together (README, "On PostgreSQL").
ALTER TABLE tasks
  ADD COLUMN bid_agents text[] NOT NULL DEFAULT '{}',
  ADD COLUMN bid_sats bigint[] NOT NULL DEFAULT '{}',
  ADD COLUMN bid_received_ms bigint[] NOT NULL DEFAULT '{}';

UPDATE tasks t SET bid_agents = b.agents, bid_sats = b.sats, bid_received_ms = b.received
FROM (SELECT task_id, array_agg(agent_id ORDER BY bid_order) AS agents,
        array_agg(bid_sats ORDER BY bid_order) AS sats, array_agg(received_ms ORDER BY bid_order) AS received
      FROM task_bids GROUP BY task_id) AS b
WHERE t.task_id = b.task_id;

DROP FUNCTION IF EXISTS add_bids(text[], text[], bigint[], bigint[], text[], bigint[], text[], boolean);

DROP TABLE task_bids;
