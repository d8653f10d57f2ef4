-- The agents' counters written before the chain lock. Every decision batch added its bidders' and
-- roster members' counts to their rows of agent_counters under the lock, where two instances'
-- batches that name the same agents wait for each other's row locks on top of the chain's (three
-- instances, bench:scale: leaving the counters out took a fifth of the writes held up
-- away). Now a batch inserts its counts into agent_counter_deltas, before the lock; inserts never
-- wait for each other. An instance that has written deltas folds them, a few seconds' worth at a
-- time, into agent_counters (fold_agent_counter_deltas; one instance at a time, the others pass), and
-- every read of the counters adds the deltas not yet folded: the fold deletes deltas and adds them to
-- agent_counters in one transaction, which a reader's snapshot sees whole or not at all.
--
-- commit_decisions is 0010's otherwise, argument for argument, so that 0009's wrapper and instances
-- of the previous version that are still running call it unchanged; such an instance's slower path
-- still adds to agent_counters directly, which stays right, as reads sum both.
CREATE TABLE agent_counter_deltas (
  agent_key       integer NOT NULL,
  considered      bigint NOT NULL,
  bids            bigint NOT NULL,
  won             bigint NOT NULL,
  winning_bid_sum bigint NOT NULL
);

-- Adds every committed delta to agent_counters and deletes it, unless another transaction holds
-- p_fold_lock (then it answers NULL at once: one folder is enough, and a second would wait for the
-- first one's row locks). Deltas committed meanwhile stay for the next fold.
CREATE FUNCTION fold_agent_counter_deltas(p_fold_lock bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  folded integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(p_fold_lock) THEN
    RETURN NULL;
  END IF;
  WITH gone AS (
    DELETE FROM agent_counter_deltas RETURNING *
  ), sums AS (
    SELECT agent_key, sum(considered) AS considered, sum(bids) AS bids, sum(won) AS won,
      sum(winning_bid_sum) AS winning_bid_sum, count(*) AS deltas
    FROM gone GROUP BY agent_key
  ), added AS (
    INSERT INTO agent_counters (agent_key, considered, bids, won, winning_bid_sum)
    SELECT agent_key, considered, bids, won, winning_bid_sum FROM sums
    ON CONFLICT (agent_key) DO UPDATE SET
      considered = agent_counters.considered + excluded.considered,
      bids = agent_counters.bids + excluded.bids,
      won = agent_counters.won + excluded.won,
      winning_bid_sum = agent_counters.winning_bid_sum + excluded.winning_bid_sum
  )
  SELECT coalesce(sum(deltas), 0) INTO folded FROM sums;
  RETURN folded;
END
$$;

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
