-- Real payment providers (issue 17): Alipay and WeChat Pay beside the sandbox.

-- How the buyer pays at the provider (Alipay `page`, `wap`, `qr`; WeChat Pay `native`,
-- `h5`; NULL for the sandbox, which has one way), and for QR channels the code's text,
-- which the pay page draws.
ALTER TABLE payments ADD COLUMN channel TEXT;
ALTER TABLE payments ADD COLUMN qr_code TEXT;

-- Every verified notification is kept as it arrived, for audit and support: what it was
-- about (`payment`, `refund`, or `ignored` for one that tells nothing the shop acts on)
-- and its body. `payment_id` is 0 for an ignored notice that names no payment of ours.
-- Rows from before this version have neither.
ALTER TABLE payment_notifications ADD COLUMN kind TEXT;
ALTER TABLE payment_notifications ADD COLUMN body TEXT;

-- A second payment of one order that succeeds anyway (the buyer paid at two providers,
-- or paid a trade that could not be closed) names the first; it is paid back at once
-- (crates/store/src/payments.rs). The rule "at most one succeeded payment per order"
-- then holds for the payments that are not duplicates, so nobody is charged twice.
ALTER TABLE payments ADD COLUMN duplicate_of BIGINT REFERENCES payments (id);
DROP INDEX payments_one_success;
CREATE UNIQUE INDEX payments_one_success ON payments (order_id) WHERE status = 'succeeded' AND duplicate_of IS NULL;
