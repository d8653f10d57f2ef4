-- agent_counter_deltas: the agents' counters as each decision batch's deltas. A batch inserts its
-- bidders' and roster members' counts here, before it takes the chain lock (commit_decisions);
-- inserts into a table without a unique index never wait for each other, where two batches adding to
-- the same rows of agent_counters would wait for each other's row locks. An instance that has
-- written deltas folds them, a few seconds' worth at a time, into agent_counters
-- (fold_agent_counter_deltas; one instance at a time, the others pass), and every read of the
-- counters adds the deltas not yet folded: the fold deletes deltas and adds them to agent_counters in
-- one transaction, which a reader's snapshot sees whole or not at all.
CREATE TABLE agent_counter_deltas (
  agent_key       integer NOT NULL,
  considered      bigint NOT NULL,
  bids            bigint NOT NULL,
  won             bigint NOT NULL,
  winning_bid_sum bigint NOT NULL
);
