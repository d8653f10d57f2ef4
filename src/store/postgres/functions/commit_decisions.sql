-- commit_decisions(...): commits a batch of auction decisions in the order given (`ord`, from 1),
-- their hash chain sealed inside PostgreSQL, so that the chain lock is held for one function's inserts
-- rather than across round trips to the instance. Called through commit_decisions_unflushed
-- (pg-decision-batch.ts).
--
-- Each task's row is locked (lock_tasks_in_order), and a decision kept only when its task is at the
-- version it was computed from and no earlier decision of the batch took the task. Before the chain
-- lock, the kept changes write what does not need a seq: the task rows' new state (the status change
-- moves them in their indexes, the costly part) with the decision's id in decision_id and
-- decision_seq left NULL (a read finds the seq through decision_id, pg-task-rows.ts); their rows of
-- ledger_pending; their agents' counters as deltas (agent_counter_deltas, folded in later by
-- fold_agent_counter_deltas: inserts without a unique index never wait for one another); and their
-- events, an event that names its decision's seq keeping p_seq_token where the seq goes and the token
-- in seq_token (a read of the event puts in the seq, pg-task-rows.ts). Then, under the chain lock
-- (the advisory lock p_chain_lock, which every append takes), the kept decisions get the next
-- sequence numbers and their hashes, and the decisions and their outside bidders (candidates) are
-- written.
--
-- The hashes are those of chain/hash-chain.ts sealRecord, byte for byte: SHA-256 over the previous
-- record's hash as lower-case hex, a newline, the record's canonical text as UTF-8, then its numbers
-- as float64 little-endian with seq first. The instance sends the text and the numbers after seq;
-- only seq, and with it the chain, is decided here. `verify` recomputes every hash in JavaScript.
--
-- Per decision:
--   p_task_ids, p_expected        the task and the version the change was computed from
--   p_status … p_due              the task's new columns (decision_seq is the decision's seq)
--   p_decision_ids … p_confidence the decision's columns (seq and hash are made here)
--   p_text, p_rest                its canonical text (UTF-8) and its numbers after seq
-- Per bidder (p_b_ord names its decision): agent key, whether the roster leaves it out, the winning
-- bid or -1. Per member of each roster the batch uses: roster key, agent key. Per event (p_e_ord
-- names its decision): its columns, the data (JSON) with the string p_seq_token wherever the
-- decision's seq goes (pg-decision-batch.ts). Returns one row per decision: whether it was kept, its
-- seq, hash and previous hash; and on the first row only, the ids of all events written (in the order
-- given) and whether it waited for the chain lock (1 or 0). p_wait: as lock_tasks_in_order's.
CREATE OR REPLACE FUNCTION commit_decisions(
  p_task_ids text[], p_expected integer[],
  p_status text[], p_candidates text[], p_offer_index integer[], p_assigned text[], p_reserved bigint[],
  p_failures integer[], p_version integer[], p_updated bigint[], p_due bigint[],
  p_decision_ids bytea[], p_descriptions text[], p_ts bigint[], p_policy integer[], p_roster integer[],
  p_capability bytea[], p_selected integer[], p_reasons text[], p_bids bytea[], p_confidence float8[],
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
    -- Their state to seal, soon after commit (the sealer reads the row then: ledger_pending).
    INSERT INTO ledger_pending (kind, subject) SELECT 'task', p_task_ids[k] FROM unnest(kept_ords) AS k;
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
    ), pending AS (
      INSERT INTO ledger_pending (kind, subject) SELECT 'event', inserted.event_id::text FROM inserted
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
      selected_key, reason, hash, bids, confidence)
    SELECT seqs[k], p_decision_ids[k], p_task_ids[k], p_descriptions[k], p_ts[k], p_policy[k], p_roster[k],
      p_capability[k], p_selected[k], p_reasons[k], hashes[k], p_bids[k], p_confidence[k]
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
