-- `candidates` keeps only the bidders that a decision's roster does not already name (agents that bid
-- without being registered, with --allow-unregistered). A registered bidder is a member of the roster,
-- and "the decisions this agent took part in" already finds those through roster_members and
-- decisions_by_roster, so its row said nothing new — and writing it was the largest single cost of
-- logging a decision (3.5 B-tree insertions per decision on the personas workload; bench
-- log-personas). Agent queries return the same decisions as before; verify checks the rows that stay.
DELETE FROM candidates WHERE EXISTS (
  SELECT 1 FROM decisions d JOIN roster_members m ON m.roster_key = d.roster_key
  WHERE d.seq = candidates.seq AND m.agent_key = candidates.agent_key
);
