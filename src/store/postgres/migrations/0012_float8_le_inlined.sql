-- float8_le (migration 0008) as one expression without a FROM clause. PostgreSQL then inlines it into
-- the statement that calls it, where before it ran a SQL function of its own for every call. It is
-- called once per decision while the chain lock is held, in commit_decisions' hash loop. A loop of
-- 10,000 hashes in the shape of that one took 2.7 µs a hash instead of 6.9. With three instances
-- under bench:scale, measured inside commit_decisions by a probe (not kept), the head read and hash
-- loop took a median of 108 and 118 µs a batch instead of 202 and 243. The function's whole time
-- under the lock took 411 and 466 µs instead of 506 and 587 (about 4 decisions a batch). The bytes
-- are the same as before: float8send's eight, reversed.
CREATE OR REPLACE FUNCTION float8_le(x double precision) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT substring(float8send(x) FROM 8 FOR 1) || substring(float8send(x) FROM 7 FOR 1)
      || substring(float8send(x) FROM 6 FOR 1) || substring(float8send(x) FROM 5 FOR 1)
      || substring(float8send(x) FROM 4 FOR 1) || substring(float8send(x) FROM 3 FOR 1)
      || substring(float8send(x) FROM 2 FOR 1) || substring(float8send(x) FROM 1 FOR 1)
$$;
