-- Reviews by verified buyers, and the stored collaborative-filtering model.

CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    product_id  BIGINT  NOT NULL REFERENCES products (id),
    order_id    BIGINT  NOT NULL REFERENCES orders (id),
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    rating      BIGINT  NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body        TEXT    NOT NULL,
    -- 'visible' or 'hidden' (by staff); only visible reviews count in the product's rating.
    status      TEXT    NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'hidden')),
    created_at  BIGINT  NOT NULL,
    hidden_by   BIGINT,
    hidden_at   BIGINT,
    -- One review per order and product, enforced by the database.
    UNIQUE (order_id, product_id)
);
CREATE INDEX reviews_by_product ON reviews (product_id, status, id);

-- Each row a whole model (the recommend crate's bytes). Instances load the newest; older
-- ones are pruned. `watermark` is the last order event the model has seen, so a rebuild
-- happens only when orders moved since.
CREATE TABLE recommendation_models (
    id            INTEGER PRIMARY KEY,
    watermark     BIGINT  NOT NULL,
    users         BIGINT  NOT NULL,
    items         BIGINT  NOT NULL,
    interactions  BIGINT  NOT NULL,
    fit_millis    BIGINT  NOT NULL,
    built_at      BIGINT  NOT NULL,
    body          BLOB    NOT NULL
);

-- One row: who may build the model now. Taken with a conditional UPDATE, so of several
-- instances only one rebuilds at a time; a crashed builder's lease just expires.
CREATE TABLE recommendation_lease (
    id     BIGINT  PRIMARY KEY CHECK (id = 1),
    until  BIGINT  NOT NULL
);
INSERT INTO recommendation_lease (id, until) VALUES (1, 0);
