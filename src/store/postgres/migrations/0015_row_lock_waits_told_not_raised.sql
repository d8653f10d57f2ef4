-- A batch that finds a task row held by another transaction waits for it inside the same statement,
-- and tells its client so with a notice, rather than failing with SQLSTATE 55P03 and being run again.
-- The failed first try went into PostgreSQL's log as an ERROR, with the whole statement, for something
-- that is part of normal running (about 600 in a day of benchmarks); and the batch's
-- statement ran twice.
--
-- The try without waiting is kept (a wait must be counted, docs/BENCHMARKS.md), now inside an
-- exception block: its failure rolls back only that block, whose row locks go with it, so the wait
-- that follows takes the rows in task_id order holding none of them, and batches sharing tasks still
-- never deadlock. A caught error is not logged. The block costs a subtransaction per call, 5–25 µs
-- for 5 and 20 rows (pgbench, one client, alternated with the previous function); locking row by row
-- in order without one cost 3–4 µs more per row.
--
-- The notice (client_min_messages is set for the function's run, so a connection's own setting cannot
-- hide it) carries the number of entries of p_task_ids, which is the number of writes the caller's
-- batch held up: one per bid in add_bids, one per decision in commit_decisions. p_wait true waits at
-- once and tells nobody, as before; the store no longer passes it. Callers' signatures are unchanged,
-- so add_bids and commit_decisions need no restating, and an instance of the previous version,
-- which counted a wait when it met 55P03, still works: it never meets one, so it counts no waits.
CREATE OR REPLACE FUNCTION lock_tasks_in_order(p_task_ids text[], p_wait boolean)
RETURNS TABLE (task_id text, version integer)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off
  SET client_min_messages = notice AS $$
DECLARE
  locked_ids text[];
  locked_versions integer[];
BEGIN
  IF p_wait THEN
    RETURN QUERY SELECT t.task_id, t.version FROM tasks t WHERE t.task_id = ANY (p_task_ids)
      ORDER BY t.task_id FOR UPDATE;
    RETURN;
  END IF;
  -- Gathered into arrays rather than returned as found: rows returned before a failure would stay in
  -- the function's answer after the block is rolled back.
  BEGIN
    SELECT array_agg(l.task_id ORDER BY l.task_id), array_agg(l.version ORDER BY l.task_id)
      INTO locked_ids, locked_versions
      FROM (SELECT t.task_id, t.version FROM tasks t WHERE t.task_id = ANY (p_task_ids)
            ORDER BY t.task_id FOR UPDATE NOWAIT) AS l;
  EXCEPTION WHEN lock_not_available THEN
    RAISE NOTICE 'swarm-router: waiting for a task row held by another transaction'
      USING DETAIL = cardinality(p_task_ids)::text, HINT = 'swarm-router:row-lock-wait';
    SELECT array_agg(l.task_id ORDER BY l.task_id), array_agg(l.version ORDER BY l.task_id)
      INTO locked_ids, locked_versions
      FROM (SELECT t.task_id, t.version FROM tasks t WHERE t.task_id = ANY (p_task_ids)
            ORDER BY t.task_id FOR UPDATE) AS l;
  END;
  RETURN QUERY SELECT u.task_id, u.version FROM unnest(locked_ids, locked_versions) AS u (task_id, version);
END
$$;
