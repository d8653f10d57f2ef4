-- A decision's confidence, as on SQLite (its migration 0011): NULL for decisions without one and for
-- every decision logged before, which the hash chain then does not cover, so they verify as sealed.
-- The functions commit_decisions and commit_decisions_unflushed take it as one more argument
-- (functions/): the old ones are dropped here, since CREATE OR REPLACE cannot change arguments.
ALTER TABLE decisions ADD COLUMN confidence double precision;
DROP FUNCTION IF EXISTS commit_decisions_unflushed(text[], integer[], text[], text[], integer[], text[], bigint[],
  integer[], integer[], bigint[], bigint[], bytea[], text[], bigint[], integer[], integer[], bytea[], integer[],
  text[], bytea[], bytea[], bytea[], integer[], integer[], boolean[], bigint[], integer[], integer[], integer[],
  text[], text[], text[], bigint[], text[], text, bigint, boolean, boolean);
DROP FUNCTION IF EXISTS commit_decisions(text[], integer[], text[], text[], integer[], text[], bigint[],
  integer[], integer[], bigint[], bigint[], bytea[], text[], bigint[], integer[], integer[], bytea[], integer[],
  text[], bytea[], bytea[], bytea[], integer[], integer[], boolean[], bigint[], integer[], integer[], integer[],
  text[], text[], text[], bigint[], text[], text, bigint, boolean);
