-- Translations are only ever read by their whole key's first columns (a product's, a
-- category's), and every product read fetches its translations. Kept in a rowid table,
-- each row was found through the primary key's own index and then fetched from the
-- table: two trees per row. Clustered by the key (WITHOUT ROWID), a product's rows sit
-- together in one tree, and the separate index is gone (BENCHMARKS.md, round eight).
-- PostgreSQL has no clustered tables to ask for; its primary key index is used as is.
CREATE TABLE translations_clustered (
    subject     TEXT    NOT NULL,
    subject_id  BIGINT  NOT NULL,
    locale      TEXT    NOT NULL,
    field       TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    PRIMARY KEY (subject, subject_id, locale, field)
) WITHOUT ROWID;
INSERT INTO translations_clustered (subject, subject_id, locale, field, value)
    SELECT subject, subject_id, locale, field, value FROM translations;
DROP TABLE translations;
ALTER TABLE translations_clustered RENAME TO translations;
