-- Refunds that survive a crash: the sandbox provider pays back at most once per
-- idempotency key, and the shop can re-ask for a refund it claimed but whose answer it
-- never recorded, with backoff while the provider is unavailable.

-- The sandbox's refunds, by the shop's key for them: a key asked for again answers the
-- first attempt's outcome and pays nothing more.
CREATE TABLE sandbox_refunds (
    idempotency_key   TEXT    PRIMARY KEY,
    merchant_payment  BIGINT  NOT NULL,
    amount            BIGINT  NOT NULL CHECK (amount > 0),
    status            TEXT    NOT NULL CHECK (status IN ('succeeded', 'failed')),
    reason            TEXT,
    created_at        BIGINT  NOT NULL
);
CREATE INDEX sandbox_refunds_by_payment ON sandbox_refunds (merchant_payment);

-- Refunds paid back before keys existed, so the ledger's refunds add up to its totals.
INSERT INTO sandbox_refunds (idempotency_key, merchant_payment, amount, status, created_at)
SELECT 'emporium-refund-' || CAST(r.id AS TEXT), r.payment_id, r.amount, 'succeeded', COALESCE(r.decided_at, r.created_at)
FROM refunds r JOIN payments p ON p.id = r.payment_id
WHERE p.provider = 'sandbox' AND r.status = 'refunded';

-- A refund left `processing` (the provider unavailable, or the instance gone) is asked
-- for again once `retry_at` passes (NULL: not retried yet; due a grace period after the
-- claim), `attempts` times so far.
ALTER TABLE refunds ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN retry_at BIGINT;
CREATE INDEX refunds_processing ON refunds (status, retry_at);
