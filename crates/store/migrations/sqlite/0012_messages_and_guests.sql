-- Reaching the customer (issue 21): guests, the outbox of messages, account tokens
-- (password reset, email verification), and what the messages need to know.

-- A guest is a customer row with no usable password, made when an anonymous visitor
-- first puts something in a cart (crates/app/src/guests.rs): its cart and orders then
-- follow every rule a customer's do. Its username is `guest-<hex>`, which no one can
-- register or log in as (usernames cannot contain the key's `:`).
ALTER TABLE users ADD COLUMN guest BIGINT NOT NULL DEFAULT 0;
-- The jobs look for idle guests every pass: only guests are in it.
CREATE INDEX users_guests ON users (id) WHERE guest = 1;
-- The language messages are written in ('zh-CN' or 'en'), from the pages or the API's
-- Accept-Language when the account was made or last chose one.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'zh-CN';
-- When the current email address was proven by a link (NULL: not verified).
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
-- The customer agreed to a text message when the order ships.
ALTER TABLE users ADD COLUMN sms_opt_in BIGINT NOT NULL DEFAULT 0;

-- A guest order's contact: the email plain like users.email, the phone sealed like
-- users.phone. (The token its link carries is a MAC of the order id, so nothing of it is
-- stored: crates/app/src/guests.rs.)
ALTER TABLE orders ADD COLUMN guest_email TEXT;
ALTER TABLE orders ADD COLUMN guest_phone TEXT;
ALTER TABLE orders ADD COLUMN sms_opt_in BIGINT NOT NULL DEFAULT 0;
-- Partial: customers' orders (nearly all) add nothing to it.
CREATE INDEX orders_by_guest_email ON orders (LOWER(guest_email)) WHERE guest_email IS NOT NULL;

-- Below this many units available, staff are told once (0: never).
ALTER TABLE product_variants ADD COLUMN low_stock_threshold BIGINT NOT NULL DEFAULT 5 CHECK (low_stock_threshold >= 0);

-- Single-use tokens sent by email: a password reset, or proof of an email address. Only
-- the token's SHA-256 is kept.
CREATE TABLE account_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('password_reset', 'verify_email')),
    token_hash   TEXT    NOT NULL UNIQUE,
    email        TEXT,                        -- verify_email: the address being proven
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    used_at      BIGINT
);
CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose);

-- The outbox: one row per message an event owes someone, written in the event's own
-- transaction (so none is lost and none is sent for a rolled-back change), delivered by
-- the jobs runner with a lease and backoff. `event_key` names the event and audience
-- ('order:12:paid', 'order:12:paid:staff'), so an event told twice is one message.
CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    event_key        TEXT    NOT NULL UNIQUE,
    kind             TEXT    NOT NULL,
    channel          TEXT    NOT NULL CHECK (channel IN ('email', 'sms')),
    user_id          BIGINT,                  -- the customer it is about or for
    order_id         BIGINT,
    recipient        TEXT,                    -- sealed; NULL: the user's or order's address at delivery
    locale           TEXT    NOT NULL,
    detail           TEXT,                    -- facts of the event the template needs
    secret           TEXT,                    -- sealed token the message carries; cleared once sent
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'held', 'skipped')),
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    locked_until     BIGINT,
    last_error       TEXT,
    created_at       BIGINT  NOT NULL,
    sent_at          BIGINT
);
-- Only what waits to be sent: a message leaves it once sent, held, skipped or failed.
CREATE INDEX messages_due ON messages (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX messages_by_order ON messages (order_id, id);
-- An account's own messages (a reset, a verification); those about its orders are found
-- through the orders. Partial, so an order's messages update one index fewer.
CREATE INDEX messages_by_user ON messages (user_id, id) WHERE order_id IS NULL;
