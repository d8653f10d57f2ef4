-- Bids that arrive together are stored together: one call of add_bids, one transaction, for every
-- bid an instance received while its previous batch was being stored (PostgresStore.addBid). One
-- transaction per bid had made commits, not bids, PostgreSQL's work on the auction path.

-- Locks tasks' rows one at a time in task_id order, trying each without waiting first so that a
-- wait is counted: every batch (bids here, decisions in PostgresStore) locks in this one order, so
-- two batches sharing tasks wait for each other but never deadlock. Returns the tasks that exist.
CREATE FUNCTION lock_tasks_in_order(p_task_ids text[])
RETURNS TABLE (task_id text, version integer, waited boolean)
LANGUAGE plpgsql AS $$
DECLARE
  id text;
  found_version integer;
BEGIN
  FOR id IN SELECT DISTINCT u.id COLLATE "C" AS id FROM unnest(p_task_ids) AS u (id) ORDER BY 1 LOOP
    waited := false;
    SELECT t.version INTO found_version FROM tasks t WHERE t.task_id = id FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
      PERFORM 1 FROM tasks t WHERE t.task_id = id;
      CONTINUE WHEN NOT FOUND; -- no such task
      waited := true;
      SELECT t.version INTO found_version FROM tasks t WHERE t.task_id = id FOR UPDATE;
    END IF;
    task_id := id;
    version := found_version;
    RETURN NEXT;
  END LOOP;
END
$$;

-- The checks and writes of add_bid (migration 0003) for each bid in arrival order, inside one
-- transaction, after every task named is locked (lock_tasks_in_order). A refusal does not raise,
-- which would undo the whole batch: its row says why (code SR404 unknown task, SR409 not open with
-- the status or 'window' in detail, SR410 duplicate bid) and the batch goes on. `ord` is the bid's
-- position in the arrays, from 1; `waited` says the first bid on a task waited for its row lock.
CREATE FUNCTION add_bids(
  p_task_ids text[], p_agent_ids text[], p_bid_sats bigint[], p_at_ms bigint[],
  p_event_kinds text[], p_event_at_ms bigint[], p_event_data text[]
) RETURNS TABLE (ord integer, code text, detail text, task json, bids json, event_id bigint, waited boolean)
LANGUAGE plpgsql AS $$
DECLARE
  current tasks;
  waits text[];
  i integer;
BEGIN
  SELECT coalesce(array_agg(l.task_id) FILTER (WHERE l.waited), '{}') INTO waits
    FROM lock_tasks_in_order(p_task_ids) AS l;
  FOR i IN 1 .. coalesce(array_length(p_task_ids, 1), 0) LOOP
    ord := i;
    code := NULL;
    detail := NULL;
    task := NULL;
    bids := NULL;
    event_id := NULL;
    waited := p_task_ids[i] = ANY (waits);
    waits := array_remove(waits, p_task_ids[i]); -- counted once, at its first bid
    SELECT * INTO current FROM tasks t WHERE t.task_id = p_task_ids[i];
    IF NOT FOUND THEN
      code := 'SR404';
    ELSIF current.status <> 'open' THEN
      code := 'SR409';
      detail := current.status;
    ELSIF current.closes_ms <= p_at_ms[i] THEN
      code := 'SR409';
      detail := 'window';
    ELSE
      INSERT INTO task_bids (task_id, agent_id, bid_sats, received_ms)
        VALUES (p_task_ids[i], p_agent_ids[i], p_bid_sats[i], p_at_ms[i])
        ON CONFLICT ON CONSTRAINT task_bids_pkey DO NOTHING;
      IF NOT FOUND THEN
        code := 'SR410';
      ELSE
        UPDATE tasks t SET version = t.version + 1, updated_ms = p_at_ms[i] WHERE t.task_id = p_task_ids[i]
          RETURNING * INTO current;
        INSERT INTO task_events (kind, task_id, agent_id, at_ms, data)
          VALUES (p_event_kinds[i], p_task_ids[i], p_agent_ids[i], p_event_at_ms[i], p_event_data[i])
          RETURNING task_events.event_id INTO event_id;
        task := row_to_json(current);
        SELECT json_agg(json_build_object('agent_id', b.agent_id, 'bid_sats', b.bid_sats) ORDER BY b.bid_order)
          INTO bids FROM task_bids b WHERE b.task_id = p_task_ids[i];
      END IF;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$$;

-- Replaced by add_bids.
DROP FUNCTION add_bid(text, text, bigint, bigint, text, bigint, text);
