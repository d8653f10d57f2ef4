-- The open auctions counted with an index scan, not a bitmap scan, so that the count no longer
-- visits every auction closed since the tasks table was last vacuumed.
--
-- Every instance counts them on each catch-up, once a second (cluster-sync.ts). A task's status is
-- in an index (tasks_by_status), so its change from 'open' is not a HOT update: the row's 'open'
-- entry stays in the index, pointing at a dead row, until VACUUM. The planner counts with a bitmap
-- scan, which visits the heap for every such entry and never marks one dead. After 20 s of the
-- closing-bid path on one instance (bench:scale's load; autovacuum off, as on this machine), the
-- count met 21,100 entries for 54 open tasks and took 9.3 ms, growing with every task decided; with
-- autovacuum's default scale factor (a vacuum once a fifth of the rows are dead) a table of ten
-- million tasks would carry some two million.
--
-- An index scan that finds an entry's rows dead to every transaction marks the entry dead
-- (kill_prior_tuple), and no later scan visits those rows again: on that table this count took
-- 39.8 ms once and 1.09 ms after. The marked entries keep their place in the index's pages until
-- VACUUM, so a count still reads about one 8 KB page for every 65 auctions closed since, but no
-- rows: after 20 s of the same load with this function, the bitmap scan met 621 entries for 87 open
-- tasks, and this count took 0.5–1.1 ms (docs/BENCHMARKS.md).
--
-- An instance of the previous version still counts with its bitmap scan; the entries this one marks
-- dead spare it those rows too.
CREATE FUNCTION count_open_tasks() RETURNS bigint
LANGUAGE plpgsql STABLE SET enable_bitmapscan = off SET enable_seqscan = off AS $$
BEGIN
  RETURN (SELECT count(*) FROM tasks WHERE status = 'open');
END
$$;
