-- The audit log and the privacy duties (issue 22, items 4 and 6).

-- Append-only: the store inserts rows and reads them; no route edits or deletes one.
-- (The one change ever made: deleting an account replaces that account's name in
-- `actor_name` by `deleted-<id>`, the erasure duty; docs/SECURITY.md.)
-- `actor_id` is NULL for an anonymous security event (a failed login for an unknown name).
-- `summary` is a short before/after note or JSON: never a secret, never sealed data.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           BIGINT  NOT NULL,
    actor_id     BIGINT,
    actor_name   TEXT    NOT NULL,
    action       TEXT    NOT NULL,            -- 'product.update', 'login.failed', 'keys.reseal'
    entity_kind  TEXT    NOT NULL,            -- 'product', 'order', 'user', 'keys'
    entity_id    TEXT,
    summary      TEXT    NOT NULL DEFAULT '',
    request_id   TEXT,
    ip           TEXT
);
CREATE INDEX audit_log_by_time ON audit_log (at, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_by_entity ON audit_log (entity_kind, entity_id, id);

-- Each customer's data key (crypto-shredding): 32 random bytes sealed by the keyring
-- (`wrapped`, context `user_keys.wrapped/<user id>`), so rotating the keyring re-wraps
-- them. Their personal data is sealed under it (`enc2:`); deleting the account deletes
-- this row, after which that data opens as "(erased)" everywhere, backups included once
-- they age out.
CREATE TABLE user_keys (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT  NOT NULL UNIQUE REFERENCES users (id),
    wrapped     TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

-- When the account was deleted (anonymised); NULL for a live one.
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
