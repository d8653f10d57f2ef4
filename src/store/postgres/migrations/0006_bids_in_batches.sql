-- Bids that arrive together are stored together: one call of add_bids, one transaction, for every
-- bid an instance received while its previous batch was being stored (PostgresStore.addBid). One
-- transaction per bid had made commits, not bids, PostgreSQL's work on the auction path.

-- Both functions plan their statements once per connection (the store's connections otherwise plan
-- every statement at every run, see PostgresStore), on the primary keys: planning add_bids' one big
-- statement anew took as long as running it, and a plan made while the tables were nearly empty
-- would scan them whole.

-- Locks tasks' rows for the rest of the transaction, in task_id order, and returns the tasks that
-- exist with their versions. Every batch (bids here, decisions in migration 0008 and PostgresStore)
-- locks through this function, in this one order, so two batches sharing tasks wait for each other
-- but never deadlock. Without p_wait a row locked by another transaction fails the statement at once
-- (SQLSTATE 55P03, nothing written): the store counts that as a wait and runs it again with p_wait.
CREATE FUNCTION lock_tasks_in_order(p_task_ids text[], p_wait boolean)
RETURNS TABLE (task_id text, version integer)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
BEGIN
  IF p_wait THEN
    RETURN QUERY SELECT t.task_id, t.version FROM tasks t WHERE t.task_id = ANY (p_task_ids)
      ORDER BY t.task_id FOR UPDATE;
  ELSE
    RETURN QUERY SELECT t.task_id, t.version FROM tasks t WHERE t.task_id = ANY (p_task_ids)
      ORDER BY t.task_id FOR UPDATE NOWAIT;
  END IF;
END
$$;

-- What add_bid (migration 0003) did for one bid, for a batch of them in arrival order (`ord`, from 1),
-- set-based: the task rows locked (lock_tasks_in_order), then one insert of the bids, one update of
-- the tasks (each version bumped once per bid it took), one insert of the events. A batch names each
-- (task, agent) at most once (PostgresStore makes sure). A refusal does not raise, which would undo
-- the whole batch: its row says why (code SR404 unknown task, SR409 not open with the status or
-- 'window' in detail, SR410 duplicate bid). For each task, the row of its last accepted bid carries the
-- task as stored and all its bids in order; the store derives what every earlier bid saw. p_wait: as
-- lock_tasks_in_order's.
CREATE FUNCTION add_bids(
  p_task_ids text[], p_agent_ids text[], p_bid_sats bigint[], p_at_ms bigint[],
  p_event_kinds text[], p_event_at_ms bigint[], p_event_data text[], p_wait boolean
) RETURNS TABLE (ord integer, code text, detail text, event_id bigint, task json, bids json)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
BEGIN
  PERFORM FROM lock_tasks_in_order(p_task_ids, p_wait);
  RETURN QUERY
  WITH input AS (
    SELECT u.ord::integer AS ord, u.task_id, u.agent_id, u.bid_sats, u.at_ms, u.kind, u.event_at_ms, u.data
    FROM unnest(p_task_ids, p_agent_ids, p_bid_sats, p_at_ms, p_event_kinds, p_event_at_ms, p_event_data)
      WITH ORDINALITY AS u (task_id, agent_id, bid_sats, at_ms, kind, event_at_ms, data, ord)
  ), checked AS (
    SELECT i.*,
      CASE WHEN t.task_id IS NULL THEN 'SR404' WHEN t.status <> 'open' OR t.closes_ms <= i.at_ms THEN 'SR409' END
        AS refusal,
      CASE WHEN t.task_id IS NULL THEN NULL WHEN t.status <> 'open' THEN t.status
        WHEN t.closes_ms <= i.at_ms THEN 'window' END AS why
    FROM input i LEFT JOIN tasks t ON t.task_id = i.task_id
  ), inserted AS (
    INSERT INTO task_bids (task_id, agent_id, bid_sats, received_ms)
    SELECT c.task_id, c.agent_id, c.bid_sats, c.at_ms FROM checked c WHERE c.refusal IS NULL ORDER BY c.ord
    ON CONFLICT ON CONSTRAINT task_bids_pkey DO NOTHING
    RETURNING task_bids.task_id, task_bids.agent_id, task_bids.bid_sats, task_bids.bid_order
  ), accepted AS (
    SELECT c.*, b.bid_order, row_number() OVER (PARTITION BY c.task_id ORDER BY c.ord DESC) AS from_last
    FROM checked c JOIN inserted b ON b.task_id = c.task_id AND b.agent_id = c.agent_id
  ), bumped AS (
    UPDATE tasks t SET version = t.version + n.taken, updated_ms = n.last_at_ms
    FROM (SELECT a.task_id, count(*)::integer AS taken, max(a.at_ms) FILTER (WHERE a.from_last = 1) AS last_at_ms
          FROM accepted a GROUP BY a.task_id) AS n
    WHERE t.task_id = n.task_id
    RETURNING t.*
  ), events AS (
    INSERT INTO task_events (kind, task_id, agent_id, at_ms, data)
    SELECT a.kind, a.task_id, a.agent_id, a.event_at_ms, a.data FROM accepted a ORDER BY a.ord
    RETURNING task_events.event_id, task_events.task_id, task_events.agent_id
  ), all_bids AS (
    SELECT x.task_id, json_agg(json_build_object('agent_id', x.agent_id, 'bid_sats', x.bid_sats)
             ORDER BY x.bid_order) AS list
    FROM (SELECT b.task_id, b.agent_id, b.bid_sats, b.bid_order FROM task_bids b
            WHERE b.task_id IN (SELECT a.task_id FROM accepted a)
          UNION ALL
          SELECT i.task_id, i.agent_id, i.bid_sats, i.bid_order FROM inserted i) AS x
    GROUP BY x.task_id
  )
  SELECT c.ord,
    CASE WHEN c.refusal IS NOT NULL THEN c.refusal WHEN a.ord IS NULL THEN 'SR410' END,
    c.why,
    e.event_id,
    CASE WHEN a.from_last = 1 THEN row_to_json(t.*) END,
    CASE WHEN a.from_last = 1 THEN ab.list END
  FROM checked c
  LEFT JOIN accepted a ON a.ord = c.ord
  LEFT JOIN events e ON e.task_id = c.task_id AND e.agent_id = c.agent_id AND a.ord IS NOT NULL
  LEFT JOIN bumped t ON t.task_id = c.task_id AND a.from_last = 1
  LEFT JOIN all_bids ab ON ab.task_id = c.task_id AND a.from_last = 1
  ORDER BY c.ord;
END
$$;

-- Replaced by add_bids.
DROP FUNCTION add_bid(text, text, bigint, bigint, text, bigint, text);
