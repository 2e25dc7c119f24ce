-- After the sale (issue 22): returns (售后) of received orders, and what staff did with
-- each returned unit.

-- A buyer's return of some units of some lines of a received order. `refund_id` is the
-- refund that receiving it opened (none when nothing was owed); `refund_amount` is what
-- it came to, `shipping_refund` the part of it that was the order's shipping (paid back
-- when the return brings the last units of the order back: docs/API.md §returns).
CREATE TABLE returns (
    id               INTEGER PRIMARY KEY,
    order_id         BIGINT  NOT NULL REFERENCES orders (id),
    user_id          BIGINT  NOT NULL REFERENCES users (id),
    status           TEXT    NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'received')),
    reason           TEXT    NOT NULL,
    instructions     TEXT,                 -- staff's how-to-send-it-back, on approval
    note             TEXT,                 -- staff's word on rejection or receipt
    refund_id        BIGINT  REFERENCES refunds (id),
    refund_amount    BIGINT  NOT NULL DEFAULT 0 CHECK (refund_amount >= 0),
    shipping_refund  BIGINT  NOT NULL DEFAULT 0 CHECK (shipping_refund >= 0),
    decided_by       BIGINT,
    decided_at       BIGINT,
    received_by      BIGINT,
    received_at      BIGINT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX returns_by_order ON returns (order_id);
CREATE INDEX returns_by_status ON returns (status, id);

-- The lines of a return: units asked for, and once received, how many were resellable
-- (back into their lots) or damaged (written off), the refund each line brought and the
-- FIFO cost of the damaged units.
CREATE TABLE return_lines (
    return_id      BIGINT  NOT NULL REFERENCES returns (id),
    order_item_id  BIGINT  NOT NULL REFERENCES order_items (id),
    quantity       BIGINT  NOT NULL CHECK (quantity > 0),
    resellable     BIGINT  NOT NULL DEFAULT 0 CHECK (resellable >= 0),
    damaged        BIGINT  NOT NULL DEFAULT 0 CHECK (damaged >= 0),
    refund         BIGINT  NOT NULL DEFAULT 0 CHECK (refund >= 0),
    damaged_cost   BIGINT  NOT NULL DEFAULT 0 CHECK (damaged_cost >= 0),
    PRIMARY KEY (return_id, order_item_id),
    CHECK (resellable + damaged <= quantity)
);
CREATE INDEX return_lines_by_item ON return_lines (order_item_id);

-- A return's history, like an order's.
CREATE TABLE return_events (
    id           INTEGER PRIMARY KEY,
    return_id    BIGINT  NOT NULL REFERENCES returns (id),
    from_status  TEXT,
    to_status    TEXT    NOT NULL,
    actor        TEXT    NOT NULL,
    detail       TEXT,
    at           BIGINT  NOT NULL
);
CREATE INDEX return_events_by_return ON return_events (return_id);

-- Units of a draw that came back from the buyer damaged and were written off (at the
-- draw's unit cost) instead of going back into the lot: with `returned`, never more than
-- the draw took.
ALTER TABLE stock_draws ADD COLUMN written_off BIGINT NOT NULL DEFAULT 0 CHECK (written_off >= 0);

-- Who cancelled a paid order or refunded on the shop's initiative, and why, is in the
-- order's history and the refund's `requested_by`/`reason`; a refund opened by staff is
-- marked so the pages can say it was not asked for.
ALTER TABLE refunds ADD COLUMN initiated_by_staff BIGINT NOT NULL DEFAULT 0;
