-- commit_decisions (migration 0008) with the task rows' new state written before the chain lock is
-- taken, all but decision_seq, which only the lock decides. The rows are this transaction's already
-- (lock_tasks_in_order, its first step), so nothing else can see or change them in between; what
-- moves out from under the lock is the costly part of the task's update: a decision changes the
-- task's status, so the row's new version is entered in every index of tasks, where setting
-- decision_seq afterwards (in no index; the table keeps room on its pages, migration 0007) stays on
-- the page. Three instances, five alternated 10-s rounds of bench:scale (docs/BENCHMARKS.md): writes held up 1.14% of requests against 1.26% on average, tasks decided 741 against 713 a
-- second. Otherwise the function is 0008's, argument for argument.
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
    -- The task rows' new state but for decision_seq, before the chain lock: the rows are this
    -- transaction's already (locked above), and the status change moves them in their indexes.
    UPDATE tasks t SET status = p_status[k], candidates = p_candidates[k],
      offer_index = p_offer_index[k], assigned_agent = p_assigned[k], reserved_until_ms = p_reserved[k],
      failures = p_failures[k], version = p_version[k], updated_ms = p_updated[k], due_ms = p_due[k],
      claimed_until_ms = NULL
    FROM unnest(kept_ords) AS k
    WHERE t.task_id = p_task_ids[k];
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

    -- Every write in one statement, while the chain lock is held.
    WITH kept AS (
      SELECT k FROM unnest(kept_ords) AS k
    ), d AS (
      INSERT INTO decisions (seq, decision_id, task_id, description, ts_ms, policy_key, roster_key, capability,
        selected_key, reason, hash, bids)
      SELECT seqs[k], p_decision_ids[k], p_task_ids[k], p_descriptions[k], p_ts[k], p_policy[k], p_roster[k],
        p_capability[k], p_selected[k], p_reasons[k], hashes[k], p_bids[k]
      FROM kept
    ), bidders AS (
      SELECT b, p_b_ord[b] AS o FROM generate_subscripts(p_b_ord, 1) AS b WHERE p_b_ord[b] = ANY (kept_ords)
    ), c AS (
      INSERT INTO candidates (agent_key, seq)
      SELECT p_b_agent[b], seqs[o] FROM bidders WHERE p_b_outsider[b]
    ), counters AS (
      INSERT INTO agent_counters (agent_key, considered, bids, won, winning_bid_sum)
      SELECT x.agent_key, sum(x.considered), sum(x.bids), sum(x.won), sum(x.winning_bid_sum)
      FROM (
        SELECT p_b_agent[b] AS agent_key, CASE WHEN p_b_outsider[b] THEN 1 ELSE 0 END AS considered, 1 AS bids,
          CASE WHEN p_b_won_sats[b] >= 0 THEN 1 ELSE 0 END AS won, greatest(p_b_won_sats[b], 0) AS winning_bid_sum
        FROM bidders
        UNION ALL
        SELECT p_r_agent[r], count(*), 0, 0, 0
        FROM generate_subscripts(p_r_roster, 1) AS r JOIN kept ON p_roster[kept.k] = p_r_roster[r]
        GROUP BY p_r_agent[r]
      ) AS x
      GROUP BY x.agent_key
      ON CONFLICT (agent_key) DO UPDATE SET
        considered = agent_counters.considered + excluded.considered,
        bids = agent_counters.bids + excluded.bids,
        won = agent_counters.won + excluded.won,
        winning_bid_sum = agent_counters.winning_bid_sum + excluded.winning_bid_sum
    ), t AS (
      UPDATE tasks t SET decision_seq = seqs[k]
      FROM kept
      WHERE t.task_id = p_task_ids[kept.k]
    ), inserted AS (
      -- Identity values are drawn in the insert's order (the events' order); sorted, each meets its event.
      INSERT INTO task_events (kind, task_id, agent_id, at_ms, data)
      SELECT p_e_kind[x], p_e_task[x], p_e_agent[x], p_e_at[x], replace(p_e_data[x], p_seq_token, seqs[p_e_ord[x]]::text)
      FROM generate_subscripts(p_e_ord, 1) AS x WHERE p_e_ord[x] = ANY (kept_ords) ORDER BY x
      RETURNING task_events.event_id
    )
    SELECT coalesce(array_agg(inserted.event_id ORDER BY inserted.event_id), '{}') INTO ids FROM inserted;
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
