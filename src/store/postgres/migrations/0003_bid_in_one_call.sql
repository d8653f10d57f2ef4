-- A bid in one round trip: the checks, the version bump under the task's row lock, the bid and its
-- event, as one function call (one statement, so one transaction of its own). Six round trips per
-- bid had made PostgreSQL's statement rate the limit of the auction path (docs/BENCHMARKS.md).
-- Refusals raise with a SQLSTATE the store maps to its error codes, which rolls everything back:
--   SR404 unknown task, SR409 not open (DETAIL: the status, or 'window' when its window ended),
--   SR410 duplicate bid.
-- `waited` says whether the task's row was locked by another transaction when the bid came.
CREATE FUNCTION add_bid(
  p_task_id text, p_agent_id text, p_bid_sats bigint, p_at_ms bigint,
  p_event_kind text, p_event_at_ms bigint, p_event_data text
) RETURNS TABLE (task json, bids json, event_id bigint, waited boolean)
LANGUAGE plpgsql AS $$
DECLARE
  current tasks;
  was_locked boolean := false;
BEGIN
  SELECT * INTO current FROM tasks WHERE task_id = p_task_id FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    PERFORM 1 FROM tasks WHERE task_id = p_task_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no task has id %', p_task_id USING ERRCODE = 'SR404';
    END IF;
    was_locked := true;
    SELECT * INTO current FROM tasks WHERE task_id = p_task_id FOR UPDATE;
  END IF;
  IF current.status <> 'open' THEN
    RAISE EXCEPTION 'not open' USING ERRCODE = 'SR409', DETAIL = current.status;
  END IF;
  IF current.closes_ms <= p_at_ms THEN
    RAISE EXCEPTION 'window ended' USING ERRCODE = 'SR409', DETAIL = 'window';
  END IF;
  INSERT INTO task_bids (task_id, agent_id, bid_sats, received_ms)
    VALUES (p_task_id, p_agent_id, p_bid_sats, p_at_ms)
    ON CONFLICT (task_id, agent_id) DO NOTHING;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'duplicate bid' USING ERRCODE = 'SR410';
  END IF;
  UPDATE tasks SET version = version + 1, updated_ms = p_at_ms WHERE task_id = p_task_id
    RETURNING * INTO current;
  INSERT INTO task_events (kind, task_id, agent_id, at_ms, data)
    VALUES (p_event_kind, p_task_id, p_agent_id, p_event_at_ms, p_event_data)
    RETURNING task_events.event_id INTO event_id;
  task := row_to_json(current);
  SELECT json_agg(json_build_object('agent_id', b.agent_id, 'bid_sats', b.bid_sats) ORDER BY b.bid_order)
    INTO bids FROM task_bids b WHERE b.task_id = p_task_id;
  waited := was_locked;
  RETURN NEXT;
END
$$;
