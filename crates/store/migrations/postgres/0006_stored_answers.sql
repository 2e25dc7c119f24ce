-- An idempotency key remembers what the operation created (`kind`) and the caller's
-- rendering of it (`body`), not an HTTP status: the store does not speak HTTP, and the API
-- answers a replay with the status its route gives a creation.
--
-- Rows written before kept `status`, which was 201 for every one of them (each of the
-- three operations that remember an answer rendered a creation). Their kind follows from
-- the scope, the route or page that used the key: `POST /orders/{id}/pay` opened a
-- payment, `POST /orders/{id}/refunds` asked for a refund, and `POST /orders` and the
-- checkout page placed an order. Bodies are kept as they are (sealed where they were).

ALTER TABLE idempotency_keys ADD COLUMN kind TEXT;

UPDATE idempotency_keys
SET kind = CASE WHEN scope LIKE '%/pay' THEN 'payment' WHEN scope LIKE '%/refunds' THEN 'refund' ELSE 'order' END;

ALTER TABLE idempotency_keys ALTER COLUMN kind SET NOT NULL;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_kind CHECK (kind IN ('order', 'payment', 'refund'));
ALTER TABLE idempotency_keys DROP COLUMN status;
