-- commit_decisions_unflushed(..., p_unflushed): commit_decisions, with the chain lock let go before
-- the commit's WAL reaches the disk when instances contend for it. A transaction's locks are released
-- only when its commit returns, and with synchronous_commit = on that is after the WAL flush, so
-- contending instances would hold the chain lock mostly while waiting for the disk. Such a
-- transaction commits unflushed (set_config local to the transaction: the connection's other
-- transactions keep the session's setting), and the instance flushes before it answers anyone
-- (pg-decision-batch.ts): a later commit that waits for the flush covers every WAL record before it.
-- So a decision is acknowledged only once it is on disk; what the early release allows is that
-- another instance may read it, and chain its own decisions on it, in the moment before — and if the
-- server crashes in that moment, both are lost together, since WAL is replayed in order.
--
-- Without contention the flush in a second round trip would only add to each decision's time, so it
-- is done when asked (p_unflushed: the instance saw the lock held lately) or when this batch found the
-- lock held (its first row's `waits`), and the instance flushes on the same rule.
CREATE OR REPLACE FUNCTION commit_decisions_unflushed(
  p_task_ids text[], p_expected integer[],
  p_status text[], p_candidates text[], p_offer_index integer[], p_assigned text[], p_reserved bigint[],
  p_failures integer[], p_version integer[], p_updated bigint[], p_due bigint[],
  p_decision_ids bytea[], p_descriptions text[], p_ts bigint[], p_policy integer[], p_roster integer[],
  p_capability bytea[], p_selected integer[], p_reasons text[], p_bids bytea[], p_confidence float8[],
  p_text bytea[], p_rest bytea[],
  p_b_ord integer[], p_b_agent integer[], p_b_outsider boolean[], p_b_won_sats bigint[],
  p_r_roster integer[], p_r_agent integer[],
  p_e_ord integer[], p_e_kind text[], p_e_task text[], p_e_agent text[], p_e_at bigint[], p_e_data text[],
  p_seq_token text, p_chain_lock bigint, p_wait boolean, p_unflushed boolean
) RETURNS TABLE (ord integer, kept boolean, seq bigint, hash bytea, prev_hash bytea, event_ids bigint[], waits integer)
LANGUAGE plpgsql AS $$
DECLARE
  early boolean := p_unflushed;
BEGIN
  FOR ord, kept, seq, hash, prev_hash, event_ids, waits IN SELECT * FROM commit_decisions(
    p_task_ids, p_expected, p_status, p_candidates, p_offer_index, p_assigned, p_reserved, p_failures,
    p_version, p_updated, p_due, p_decision_ids, p_descriptions, p_ts, p_policy, p_roster, p_capability,
    p_selected, p_reasons, p_bids, p_confidence, p_text, p_rest, p_b_ord, p_b_agent, p_b_outsider,
    p_b_won_sats, p_r_roster, p_r_agent, p_e_ord, p_e_kind, p_e_task, p_e_agent, p_e_at, p_e_data, p_seq_token,
    p_chain_lock, p_wait)
  LOOP
    early := early OR coalesce(waits, 0) > 0; -- set on the first row: this batch waited for the chain
    RETURN NEXT;
  END LOOP;
  IF early THEN
    -- Local to the transaction, and not a SET clause of this function (which would end with the
    -- call, before the commit it is for).
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
END
$$;
