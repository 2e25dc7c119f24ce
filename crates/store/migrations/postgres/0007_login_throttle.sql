-- The login throttle counts attempts in buckets (domain::throttle), taken before the
-- password is checked, instead of failures recorded after it; and it remembers the
-- addresses each account logged in from, which skip the account-wide budget.

DROP TABLE login_failures;

CREATE TABLE login_attempts (
    bucket         TEXT    PRIMARY KEY,   -- pair:<username key>@<address>, address:…, account:…
    window_opened  BIGINT  NOT NULL,      -- the bucket's first attempt in its window
    attempts       BIGINT  NOT NULL
);
CREATE INDEX login_attempts_by_window ON login_attempts (window_opened);

CREATE TABLE known_login_addresses (
    username_key   TEXT    NOT NULL,
    address        TEXT    NOT NULL,
    last_login_at  BIGINT  NOT NULL,
    PRIMARY KEY (username_key, address)
);
CREATE INDEX known_login_addresses_by_time ON known_login_addresses (last_login_at);
