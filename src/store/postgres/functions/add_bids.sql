-- add_bids(...): checks and stores a batch of bids in arrival order (`ord`, from 1), each with its
-- event, set-based, in one statement: the task rows locked (lock_tasks_in_order), then one update of
-- the tasks that appends each accepted bid to its task's arrays (bid_agents, bid_sats,
-- bid_received_ms) and bumps its version once per bid, and one insert of the events. A batch names
-- each (task, agent) at most once (pg-task-writes.ts makes sure); a duplicate is found in bid_agents,
-- read under the row lock, so two batches cannot both add the same agent's bid.
--
-- A refusal does not raise, which would undo the whole batch: its row says why (code SR404 unknown
-- task, SR409 not open with the status or 'window' in detail, SR410 duplicate bid). For each task,
-- the row of its last accepted bid carries the task as stored, its bids included; the store derives
-- what every earlier bid saw. p_wait: as lock_tasks_in_order's. Planned once per connection, on the
-- primary keys: planning this one big statement anew took as long as running it.
CREATE OR REPLACE FUNCTION add_bids(
  p_task_ids text[], p_agent_ids text[], p_bid_sats bigint[], p_at_ms bigint[],
  p_event_kinds text[], p_event_at_ms bigint[], p_event_data text[], p_wait boolean
) RETURNS TABLE (ord integer, code text, detail text, event_id bigint, task json)
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
      CASE WHEN t.task_id IS NULL THEN 'SR404' WHEN t.status <> 'open' OR t.closes_ms <= i.at_ms THEN 'SR409'
        WHEN i.agent_id = ANY (t.bid_agents) THEN 'SR410' END AS refusal,
      CASE WHEN t.task_id IS NULL THEN NULL WHEN t.status <> 'open' THEN t.status
        WHEN t.closes_ms <= i.at_ms THEN 'window' END AS why
    FROM input i LEFT JOIN tasks t ON t.task_id = i.task_id
  ), accepted AS (
    SELECT c.*, row_number() OVER (PARTITION BY c.task_id ORDER BY c.ord DESC) AS from_last
    FROM checked c WHERE c.refusal IS NULL
  ), bumped AS (
    UPDATE tasks t SET version = t.version + n.taken, updated_ms = n.last_at_ms,
      bid_agents = t.bid_agents || n.agents, bid_sats = t.bid_sats || n.sats,
      bid_received_ms = t.bid_received_ms || n.received
    FROM (SELECT a.task_id, count(*)::integer AS taken, max(a.at_ms) FILTER (WHERE a.from_last = 1) AS last_at_ms,
            array_agg(a.agent_id ORDER BY a.ord) AS agents, array_agg(a.bid_sats ORDER BY a.ord) AS sats,
            array_agg(a.at_ms ORDER BY a.ord) AS received
          FROM accepted a GROUP BY a.task_id) AS n
    WHERE t.task_id = n.task_id
    RETURNING t.task_id, t.description, t.constraints, t.status, t.created_ms, t.closes_ms, t.deadline_ms,
      t.decision_seq, t.candidates, t.offer_index, t.assigned_agent, t.reserved_until_ms, t.failures,
      t.version, t.updated_ms, t.bid_agents, t.bid_sats
  ), events AS (
    INSERT INTO task_events (kind, task_id, agent_id, at_ms, data)
    SELECT a.kind, a.task_id, a.agent_id, a.event_at_ms, a.data FROM accepted a ORDER BY a.ord
    RETURNING task_events.event_id, task_events.task_id, task_events.agent_id
  )
  SELECT c.ord, c.refusal, c.why, e.event_id, CASE WHEN a.from_last = 1 THEN row_to_json(t.*) END
  FROM checked c
  LEFT JOIN accepted a ON a.ord = c.ord
  LEFT JOIN events e ON e.task_id = c.task_id AND e.agent_id = c.agent_id AND a.ord IS NOT NULL
  LEFT JOIN bumped t ON t.task_id = c.task_id AND a.from_last = 1
  ORDER BY c.ord;
END
$$;
