-- Every bid bumps its task's version, so a task row is rewritten six times or so in its first
-- second. With full pages each rewrite would be a new row elsewhere and a new entry in every index of
-- the table; with room left on each page it stays on its page and no index changes (a HOT
-- update: the bumped columns are in no index). Applies to pages written from now on.
ALTER TABLE tasks SET (fillfactor = 50);
