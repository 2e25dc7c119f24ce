-- SQLite's 0010 clusters `translations` by its key (WITHOUT ROWID). PostgreSQL has no
-- clustered tables to ask for (its primary key index serves the same reads), so there
-- is nothing to do here; the file keeps both engines' migrations numbered alike.
SELECT 1;
