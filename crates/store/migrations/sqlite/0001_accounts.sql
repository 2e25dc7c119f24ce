-- Accounts, sessions, login throttling and address books.
-- Times are epoch milliseconds (BIGINT) so both engines store and compare them alike.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL,
    username_key  TEXT    NOT NULL UNIQUE,   -- case-folded username: uniqueness and look-up
    password_hash TEXT    NOT NULL,
    email         TEXT,
    display_name  TEXT,
    phone         TEXT,
    role          TEXT    NOT NULL CHECK (role IN ('customer', 'staff')),
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,     -- SHA-256 of the bearer token; the token itself is never stored
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE login_failures (
    id            INTEGER PRIMARY KEY,
    username_key  TEXT    NOT NULL,
    at            BIGINT  NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (username_key, at);

CREATE TABLE addresses (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    recipient    TEXT    NOT NULL,
    phone        TEXT    NOT NULL,
    line1        TEXT    NOT NULL,
    line2        TEXT,
    city         TEXT    NOT NULL,
    region       TEXT,
    postal_code  TEXT,
    country      TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX addresses_by_user ON addresses (user_id);
