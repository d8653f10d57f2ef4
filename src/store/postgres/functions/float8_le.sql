-- float8_le(x): the 8 bytes of a float64, little-endian (float8send gives them big-endian), as
-- chain/hash-chain.ts writes a record's numbers. One expression without a FROM clause, so that
-- PostgreSQL inlines it into the statement that calls it (commit_decisions' hash loop, under the chain
-- lock) instead of running a SQL function of its own for every call.
CREATE OR REPLACE FUNCTION float8_le(x double precision) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT substring(float8send(x) FROM 8 FOR 1) || substring(float8send(x) FROM 7 FOR 1)
      || substring(float8send(x) FROM 6 FOR 1) || substring(float8send(x) FROM 5 FOR 1)
      || substring(float8send(x) FROM 4 FOR 1) || substring(float8send(x) FROM 3 FOR 1)
      || substring(float8send(x) FROM 2 FOR 1) || substring(float8send(x) FROM 1 FOR 1)
$$;
