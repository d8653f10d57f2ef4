-- A decision's confidence: the probability, as the scorer estimated it, that the selected agent is the
-- right one, rounded to three decimals (policy/decision.ts). NULL for decisions without one and for
-- every decision logged before; the hash chain covers it only when it is not NULL, so those records
-- verify as they were sealed (chain/hash-chain.ts).
ALTER TABLE decisions ADD COLUMN confidence REAL;
