-- An idempotency key remembers what the operation created (`kind`) and the caller's
-- rendering of it (`body`), not an HTTP status: the store does not speak HTTP, and the API
-- answers a replay with the status its route gives a creation.
--
-- Rows written before kept `status`, which was 201 for every one of them (each of the
-- three operations that remember an answer rendered a creation). Their kind follows from
-- the scope, the route or page that used the key: `POST /orders/{id}/pay` opened a
-- payment, `POST /orders/{id}/refunds` asked for a refund, and `POST /orders` and the
-- checkout page placed an order. Bodies are kept as they are (sealed where they were).
--
-- ENGINE-SPECIFIC: SQLite cannot add a NOT NULL column without a default or add a CHECK
-- to an existing table, so the table is rebuilt (PostgreSQL alters it in place).

CREATE TABLE idempotency_keys_0006 (
    user_id       BIGINT  NOT NULL,
    scope         TEXT    NOT NULL,           -- the route: 'POST /orders', 'POST /orders/7/pay'
    key           TEXT    NOT NULL,
    request_hash  TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('order', 'payment', 'refund')),
    body          TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    PRIMARY KEY (user_id, scope, key)
);

INSERT INTO idempotency_keys_0006 (user_id, scope, key, request_hash, kind, body, created_at)
SELECT user_id, scope, key, request_hash,
       CASE WHEN scope LIKE '%/pay' THEN 'payment' WHEN scope LIKE '%/refunds' THEN 'refund' ELSE 'order' END,
       body, created_at
FROM idempotency_keys;

DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_0006 RENAME TO idempotency_keys;
