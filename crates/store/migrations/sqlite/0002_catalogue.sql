-- Catalogue, FIFO stock lots, draws against lots, the product change feed, and settings.

CREATE TABLE products (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    price            BIGINT  NOT NULL CHECK (price > 0),
    currency         TEXT    NOT NULL,
    category         TEXT,
    sku              TEXT    UNIQUE,
    images           TEXT    NOT NULL DEFAULT '',          -- URLs separated by newlines (URLs hold no whitespace)
    status           TEXT    NOT NULL CHECK (status IN ('active', 'draft', 'archived')),
    -- Units on hand: always the sum of the lots' `remaining`, kept in the same transaction.
    -- Updating it first is also how a draw locks the product against concurrent draws.
    stock_available  BIGINT  NOT NULL DEFAULT 0 CHECK (stock_available >= 0),
    rating_sum       BIGINT  NOT NULL DEFAULT 0,
    rating_count     BIGINT  NOT NULL DEFAULT 0,
    rating_milli     BIGINT  NOT NULL DEFAULT 0,           -- average × 1000, for sorting
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
-- One index per listing order, with and without the category filter, so every page is
-- an index range scan that stops after LIMIT rows.
CREATE INDEX products_by_newest          ON products (status, created_at, id);
CREATE INDEX products_by_price           ON products (status, price, id);
CREATE INDEX products_by_rating          ON products (status, rating_milli, id);
CREATE INDEX products_by_category_newest ON products (status, category, created_at, id);
CREATE INDEX products_by_category_price  ON products (status, category, price, id);
CREATE INDEX products_by_category_rating ON products (status, category, rating_milli, id);

CREATE TABLE stock_lots (
    id           INTEGER PRIMARY KEY,
    product_id   BIGINT  NOT NULL REFERENCES products (id),
    quantity     BIGINT  NOT NULL CHECK (quantity > 0),
    -- The database itself refuses a lot below zero or above what it received.
    remaining    BIGINT  NOT NULL CHECK (remaining >= 0 AND remaining <= quantity),
    unit_cost    BIGINT  NOT NULL CHECK (unit_cost >= 0),
    received_at  BIGINT  NOT NULL,
    note         TEXT,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX stock_lots_fifo ON stock_lots (product_id, received_at, id);

CREATE TABLE stock_draws (
    id           INTEGER PRIMARY KEY,
    lot_id       BIGINT  NOT NULL REFERENCES stock_lots (id),
    product_id   BIGINT  NOT NULL REFERENCES products (id),
    quantity     BIGINT  NOT NULL CHECK (quantity > 0),
    returned     BIGINT  NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= quantity),
    unit_cost    BIGINT  NOT NULL,                          -- copied from the lot: cost of goods without a join
    reference    TEXT    NOT NULL,                          -- what drew it: 'adjustment:<id>', 'order_item:<id>'
    created_at   BIGINT  NOT NULL
);
CREATE INDEX stock_draws_by_reference ON stock_draws (reference);
CREATE INDEX stock_draws_by_lot ON stock_draws (lot_id);

CREATE TABLE stock_adjustments (
    id           INTEGER PRIMARY KEY,
    product_id   BIGINT  NOT NULL REFERENCES products (id),
    quantity     BIGINT  NOT NULL CHECK (quantity > 0),
    reason       TEXT    NOT NULL,
    user_id      BIGINT  REFERENCES users (id),
    created_at   BIGINT  NOT NULL
);

-- Every product change appends here in the same transaction; each instance's search
-- index follows this feed (ENGINE-SPECIFIC: AUTOINCREMENT keeps SQLite from reusing seqs).
CREATE TABLE product_changes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id   BIGINT  NOT NULL,
    changed_at   BIGINT  NOT NULL
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
