-- fold_agent_counter_deltas(p_fold_lock): adds every committed row of agent_counter_deltas to
-- agent_counters and deletes it, in one transaction, which a reader's snapshot sees whole or not at
-- all (reads of the counters sum both tables). Unless another transaction holds p_fold_lock: then it
-- answers NULL at once (one folder is enough, and a second would wait for the first one's row locks).
-- Deltas committed meanwhile stay for the next fold. Answers how many deltas it folded.
CREATE OR REPLACE FUNCTION fold_agent_counter_deltas(p_fold_lock bigint) RETURNS integer
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
