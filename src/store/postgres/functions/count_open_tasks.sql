-- count_open_tasks(): the open auctions, counted with an index scan rather than the planner's bitmap
-- scan. A task's status is in an index (tasks_by_status), so its change from 'open' is not a HOT
-- update: the row's 'open' entry stays in the index, pointing at a dead row, until VACUUM. A bitmap
-- scan visits the heap for every such entry and never marks one dead, so its count grows with every
-- auction closed since the last vacuum. An index scan that finds an entry's rows dead to every
-- transaction marks the entry dead (kill_prior_tuple), and no later scan visits those rows again; the
-- marked entries keep their place in the index's pages until VACUUM, so a count still reads about one
-- 8 KB page for every 65 auctions closed since, but no rows. Every instance counts them on each
-- catch-up (cluster-sync.ts).
CREATE OR REPLACE FUNCTION count_open_tasks() RETURNS bigint
LANGUAGE plpgsql STABLE SET enable_bitmapscan = off SET enable_seqscan = off AS $$
BEGIN
  RETURN (SELECT count(*) FROM tasks WHERE status = 'open');
END
$$;
