-- Carts, orders and their history, payments, refunds, shipping, idempotency keys, the
-- job queue, and the sandbox payment provider's own records.

CREATE TABLE cart_items (
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    product_id  BIGINT  NOT NULL REFERENCES products (id),
    quantity    BIGINT  NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    added_at    BIGINT  NOT NULL,
    PRIMARY KEY (user_id, product_id)
);

CREATE TABLE orders (
    id               INTEGER PRIMARY KEY,
    user_id          BIGINT  NOT NULL REFERENCES users (id),
    status           TEXT    NOT NULL CHECK (status IN ('pending_payment', 'paid', 'cancelled', 'shipped', 'received', 'refunded')),
    currency         TEXT    NOT NULL,
    subtotal         BIGINT  NOT NULL CHECK (subtotal >= 0),
    shipping_fee     BIGINT  NOT NULL CHECK (shipping_fee >= 0),
    total            BIGINT  NOT NULL CHECK (total >= 0),
    paid_amount      BIGINT  NOT NULL DEFAULT 0 CHECK (paid_amount >= 0),
    -- Money conservation, enforced by the database: never more back than was paid.
    refunded_amount  BIGINT  NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= paid_amount),
    address          TEXT    NOT NULL,        -- a snapshot of the address, one field per line
    note             TEXT,
    version          BIGINT  NOT NULL DEFAULT 1,  -- bumped by every change; the order cache compares it
    pay_deadline     BIGINT  NOT NULL,
    created_at       BIGINT  NOT NULL,
    paid_at          BIGINT,
    shipped_at       BIGINT,
    received_at      BIGINT,
    cancelled_at     BIGINT
);
CREATE INDEX orders_by_user ON orders (user_id, id);
CREATE INDEX orders_by_status ON orders (status, id);
CREATE INDEX orders_unpaid ON orders (status, pay_deadline);

CREATE TABLE order_items (
    id          INTEGER PRIMARY KEY,
    order_id    BIGINT  NOT NULL REFERENCES orders (id),
    product_id  BIGINT  NOT NULL REFERENCES products (id),
    name        TEXT    NOT NULL,
    unit_price  BIGINT  NOT NULL CHECK (unit_price > 0),
    quantity    BIGINT  NOT NULL CHECK (quantity > 0),
    line_total  BIGINT  NOT NULL,
    cost        BIGINT  NOT NULL              -- FIFO cost of goods of the units drawn
);
CREATE INDEX order_items_by_order ON order_items (order_id);

CREATE TABLE order_events (
    id           INTEGER PRIMARY KEY,
    order_id     BIGINT  NOT NULL REFERENCES orders (id),
    from_status  TEXT,
    to_status    TEXT    NOT NULL,
    actor        TEXT    NOT NULL,            -- 'user:7', 'staff:2', 'system', 'provider:sandbox'
    detail       TEXT,
    at           BIGINT  NOT NULL
);
CREATE INDEX order_events_by_order ON order_events (order_id, id);

CREATE TABLE idempotency_keys (
    user_id       BIGINT  NOT NULL,
    scope         TEXT    NOT NULL,           -- the route: 'POST /orders', 'POST /orders/7/pay'
    key           TEXT    NOT NULL,
    request_hash  TEXT    NOT NULL,
    status        BIGINT  NOT NULL,
    body          TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    PRIMARY KEY (user_id, scope, key)
);

CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    order_id      BIGINT  NOT NULL REFERENCES orders (id),
    provider      TEXT    NOT NULL,
    provider_ref  TEXT,
    amount        BIGINT  NOT NULL CHECK (amount > 0),
    currency      TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    pay_url       TEXT,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX payments_by_order ON payments (order_id);
CREATE INDEX payments_pending ON payments (status, created_at);
-- Never charge twice: at most one succeeded payment per order.
CREATE UNIQUE INDEX payments_one_success ON payments (order_id) WHERE status = 'succeeded';

-- Provider notifications already applied (recorded in the same transaction as their effect).
CREATE TABLE payment_notifications (
    provider     TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    payment_id   BIGINT  NOT NULL,
    received_at  BIGINT  NOT NULL,
    PRIMARY KEY (provider, event_id)
);

CREATE TABLE refunds (
    id            INTEGER PRIMARY KEY,
    order_id      BIGINT  NOT NULL REFERENCES orders (id),
    payment_id    BIGINT  NOT NULL REFERENCES payments (id),
    amount        BIGINT  NOT NULL CHECK (amount > 0),
    reason        TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('requested', 'processing', 'refunded', 'rejected', 'failed')),
    provider_ref  TEXT,
    requested_by  BIGINT  NOT NULL,
    decided_by    BIGINT,
    created_at    BIGINT  NOT NULL,
    decided_at    BIGINT
);
CREATE INDEX refunds_by_order ON refunds (order_id);
CREATE INDEX refunds_by_status ON refunds (status, id);

CREATE TABLE shipments (
    order_id         BIGINT  PRIMARY KEY REFERENCES orders (id),
    carrier          TEXT    NOT NULL,
    tracking_number  TEXT    NOT NULL,
    shipped_at       BIGINT  NOT NULL
);

CREATE TABLE tracking_events (
    id           INTEGER PRIMARY KEY,
    order_id     BIGINT  NOT NULL REFERENCES orders (id),
    status       TEXT    NOT NULL,
    location     TEXT,
    description  TEXT,
    occurred_at  BIGINT  NOT NULL,
    recorded_at  BIGINT  NOT NULL
);
CREATE INDEX tracking_events_by_order ON tracking_events (order_id, occurred_at);

-- Durable background work (e.g. the sandbox provider's notification deliveries). A job is
-- claimed by setting `locked_until` with a conditional UPDATE, so several instances can
-- share the queue; a crashed claimant's lock simply expires.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    run_at        BIGINT  NOT NULL,
    attempts      BIGINT  NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    last_error    TEXT,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at);

-- The sandbox payment provider's own ledger: it plays a third party, so it keeps its own
-- records rather than reading the shop's.
CREATE TABLE sandbox_payments (
    id                INTEGER PRIMARY KEY,
    merchant_payment  BIGINT  NOT NULL UNIQUE,   -- the shop's payment id
    order_id          BIGINT  NOT NULL,
    amount            BIGINT  NOT NULL,
    currency          TEXT    NOT NULL,
    status            TEXT    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    refunded          BIGINT  NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
    created_at        BIGINT  NOT NULL,
    completed_at      BIGINT
);
