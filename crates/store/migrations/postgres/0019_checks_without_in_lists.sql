-- SQLite's 0019 rewrites CHECK constraints written as `x IN (…)` with three values or more
-- as equalities joined by OR, which SQLite evaluates without building a temporary b-tree
-- on every write. PostgreSQL evaluates either form alike, so nothing changes here; the
-- file keeps the two engines' migrations numbered alike.
SELECT 1;
