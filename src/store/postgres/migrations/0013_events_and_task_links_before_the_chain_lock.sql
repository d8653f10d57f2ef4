-- What a decision batch writes that does not need the seq, moved from under the chain lock to
-- before it: the events, and the tasks' link to their decision. Three instances under bench:scale,
-- timed inside PostgreSQL: of 454 µs a batch under the lock (median; mean 715), for
-- five decisions and ten events, the events' insert took 146 and the second update of the task rows,
-- setting decision_seq, 60; and the chain's waits grow with that time (250 µs more under the lock
-- took the writes held up from 1.07 to 1.51%). With both moved, the median is 243 µs.
--
-- The events: an event that names its decision's seq ('task:decided') is stored with the token that
-- stands for the seq in its data, and the token in seq_token. eventsAfter (pg-tasks.ts) replaces the
-- token with the seq of its task's decision, which the same transaction writes, so a reader sees both
-- or neither. commitDecisionBatch sends a decision whose token-bearing event names another task than
-- the decision's the slower way (#appendIn, which writes the seq itself).
--
-- The tasks: the update before the lock also sets tasks.decision_id, the decision's id, which is
-- known then, and decision_seq stays NULL. A read of the task takes the seq of the decision of that
-- task and id (decisionSeqOf in pg-tasks.ts, through decisions_by_task); a task is decided once (it
-- is never open again). Every other commit of the task writes the seq it read into decision_seq, and
-- the slower path writes it there at once, as before. The outside bidders' insert runs only when a
-- batch has any.
--
-- commit_decisions keeps 0011's arguments, so 0009's wrapper calls it unchanged. An instance of the
-- previous version reads task_events without seq_token and tasks without decision_id: it would show
-- the token in place of the seq in this version's 'task:decided' events and no decision on the tasks
-- this version decided. So the instances of one deployment are upgraded together (README, "On
-- PostgreSQL").
ALTER TABLE task_events ADD COLUMN seq_token text;
ALTER TABLE tasks ADD COLUMN decision_id bytea;

CREATE OR REPLACE FUNCTION commit_decisions(
  p_task_ids text[], p_expected integer[],
  p_status text[], p_candidates text[], p_offer_index integer[], p_assigned text[], p_reserved bigint[],
  p_failures integer[], p_version integer[], p_updated bigint[], p_due bigint[],
  p_decision_ids bytea[], p_descriptions text[], p_ts bigint[], p_policy integer[], p_roster integer[],
  p_capability bytea[], p_selected integer[], p_reasons text[], p_bids bytea[],
  p_text bytea[], p_rest bytea[],
  p_b_ord integer[], p_b_agent integer[], p_b_outsider boolean[], p_b_won_sats bigint[],
  p_r_roster integer[], p_r_agent integer[],
  p_e_ord integer[], p_e_kind text[], p_e_task text[], p_e_agent text[], p_e_at bigint[], p_e_data text[],
  p_seq_token text, p_chain_lock bigint, p_wait boolean
) RETURNS TABLE (ord integer, kept boolean, seq bigint, hash bytea, prev_hash bytea, event_ids bigint[], waits integer)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
  n integer := coalesce(array_length(p_task_ids, 1), 0);
  locked_ids text[];
  locked_versions integer[];
  wait_count integer := 0;
  kept_ords integer[] := '{}';
  taken text[] := '{}';
  found_at integer;
  i integer;
  head_seq bigint;
  prev bytea;
  seqs bigint[] := array_fill(NULL::bigint, ARRAY[n]);
  hashes bytea[] := array_fill(NULL::bytea, ARRAY[n]);
  prevs bytea[] := array_fill(NULL::bytea, ARRAY[n]);
  ids bigint[] := '{}';
BEGIN
  SELECT coalesce(array_agg(l.task_id), '{}'), coalesce(array_agg(l.version), '{}')
    INTO locked_ids, locked_versions
    FROM lock_tasks_in_order(p_task_ids, p_wait) AS l;
  FOR i IN 1 .. n LOOP
    found_at := array_position(locked_ids, p_task_ids[i]);
    IF found_at IS NOT NULL AND locked_versions[found_at] = p_expected[i] AND NOT (p_task_ids[i] = ANY (taken)) THEN
      kept_ords := kept_ords || i;
      taken := taken || p_task_ids[i];
    END IF;
  END LOOP;

  IF cardinality(kept_ords) > 0 THEN
    -- The task rows' new state, before the chain lock: the rows are this transaction's already
    -- (locked above), and the status change moves them in their indexes. decision_seq stays as it
    -- was (NULL): a read finds the seq through decision_id (below).
    UPDATE tasks t SET status = p_status[k], candidates = p_candidates[k],
      offer_index = p_offer_index[k], assigned_agent = p_assigned[k], reserved_until_ms = p_reserved[k],
      failures = p_failures[k], version = p_version[k], updated_ms = p_updated[k], due_ms = p_due[k],
      claimed_until_ms = NULL, decision_id = p_decision_ids[k]
    FROM unnest(kept_ords) AS k
    WHERE t.task_id = p_task_ids[k];
    -- The agents' counters as this batch's deltas, before the chain lock too: inserts into a table
    -- without a unique index never wait for one another (fold_agent_counter_deltas folds them in).
    INSERT INTO agent_counter_deltas (agent_key, considered, bids, won, winning_bid_sum)
    SELECT x.agent_key, sum(x.considered), sum(x.bids), sum(x.won), sum(x.winning_bid_sum)
    FROM (
      SELECT p_b_agent[b] AS agent_key, CASE WHEN p_b_outsider[b] THEN 1 ELSE 0 END AS considered, 1 AS bids,
        CASE WHEN p_b_won_sats[b] >= 0 THEN 1 ELSE 0 END AS won, greatest(p_b_won_sats[b], 0) AS winning_bid_sum
      FROM generate_subscripts(p_b_ord, 1) AS b WHERE p_b_ord[b] = ANY (kept_ords)
      UNION ALL
      SELECT p_r_agent[r], count(*), 0, 0, 0
      FROM generate_subscripts(p_r_roster, 1) AS r JOIN unnest(kept_ords) AS k ON p_roster[k] = p_r_roster[r]
      GROUP BY p_r_agent[r]
    ) AS x
    GROUP BY x.agent_key;
    -- The kept changes' events, before the chain lock too. An event that names its decision's seq
    -- keeps p_seq_token where the seq goes, and the token in seq_token: eventsAfter puts in its
    -- task's decision's seq (pg-tasks.ts). Identity values are drawn in the insert's order (the
    -- events' order); sorted, each meets its event.
    WITH inserted AS (
      INSERT INTO task_events (kind, task_id, agent_id, at_ms, data, seq_token)
      SELECT p_e_kind[x], p_e_task[x], p_e_agent[x], p_e_at[x], p_e_data[x],
        CASE WHEN strpos(p_e_data[x], p_seq_token) > 0 THEN p_seq_token END
      FROM generate_subscripts(p_e_ord, 1) AS x WHERE p_e_ord[x] = ANY (kept_ords) ORDER BY x
      RETURNING task_events.event_id
    )
    SELECT coalesce(array_agg(inserted.event_id ORDER BY inserted.event_id), '{}') INTO ids FROM inserted;
    IF NOT pg_try_advisory_xact_lock(p_chain_lock) THEN
      wait_count := wait_count + 1;
      PERFORM pg_advisory_xact_lock(p_chain_lock);
    END IF;
    -- A statement of its own, after the lock: its snapshot holds the previous holder's commit.
    SELECT d.seq, d.hash INTO head_seq, prev FROM decisions d ORDER BY d.seq DESC LIMIT 1;
    head_seq := coalesce(head_seq, 0);
    prev := coalesce(prev, decode(repeat('00', 32), 'hex'));
    FOREACH i IN ARRAY kept_ords LOOP
      head_seq := head_seq + 1;
      seqs[i] := head_seq;
      prevs[i] := prev;
      prev := sha256(convert_to(encode(prev, 'hex'), 'UTF8') || '\x0a'::bytea || p_text[i]
                     || float8_le(head_seq::double precision) || p_rest[i]);
      hashes[i] := prev;
    END LOOP;

    -- The writes that need the seqs, while the chain lock is held: the decisions, and the bidders
    -- their rosters do not name (none, when every bidder is registered).
    INSERT INTO decisions (seq, decision_id, task_id, description, ts_ms, policy_key, roster_key, capability,
      selected_key, reason, hash, bids)
    SELECT seqs[k], p_decision_ids[k], p_task_ids[k], p_descriptions[k], p_ts[k], p_policy[k], p_roster[k],
      p_capability[k], p_selected[k], p_reasons[k], hashes[k], p_bids[k]
    FROM unnest(kept_ords) AS k;
    IF true = ANY (p_b_outsider) THEN
      INSERT INTO candidates (agent_key, seq)
      SELECT p_b_agent[b], seqs[p_b_ord[b]] FROM generate_subscripts(p_b_ord, 1) AS b
      WHERE p_b_outsider[b] AND p_b_ord[b] = ANY (kept_ords);
    END IF;
  END IF;

  FOR i IN 1 .. n LOOP
    ord := i;
    kept := seqs[i] IS NOT NULL;
    seq := seqs[i];
    hash := hashes[i];
    prev_hash := prevs[i];
    event_ids := CASE WHEN i = 1 THEN ids END;
    waits := CASE WHEN i = 1 THEN wait_count END;
    RETURN NEXT;
  END LOOP;
END
$$;
