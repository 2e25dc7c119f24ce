//! `emporium check`: the stock and money invariants over the whole database. Each check
//! is one query that returns the rows breaking it, so a clean database returns nothing.

use crate::db::query;

use crate::{Store, StoreError};

/// The invariants, each as a name and a query returning `(subject, detail)` for every
/// violation. Sums are cast to BIGINT for PostgreSQL (see `inventory.rs`).
const CHECKS: &[(&str, &str)] = &[
    (
        "every lot holds what it received less what was drawn and not returned",
        "SELECT 'lot ' || CAST(l.id AS TEXT) AS subject,
                'remaining ' || CAST(l.remaining AS TEXT) || ' but received ' || CAST(l.quantity AS TEXT) || ' and drew ' ||
                CAST(CAST(COALESCE(SUM(d.quantity - d.returned), 0) AS BIGINT) AS TEXT) AS detail
         FROM stock_lots l LEFT JOIN stock_draws d ON d.lot_id = l.id
         GROUP BY l.id, l.remaining, l.quantity
         HAVING l.remaining <> l.quantity - CAST(COALESCE(SUM(d.quantity - d.returned), 0) AS BIGINT)",
    ),
    (
        "every product's stock is the sum of its lots",
        "SELECT 'product ' || CAST(p.id AS TEXT) AS subject,
                'stock_available ' || CAST(p.stock_available AS TEXT) || ' but lots hold ' ||
                CAST(CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT) AS TEXT) AS detail
         FROM products p LEFT JOIN stock_lots l ON l.product_id = p.id
         GROUP BY p.id, p.stock_available
         HAVING p.stock_available <> CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT)",
    ),
    (
        "every variant's stock is the sum of its lots",
        "SELECT 'variant ' || CAST(v.id AS TEXT) AS subject,
                'stock_available ' || CAST(v.stock_available AS TEXT) || ' but lots hold ' ||
                CAST(CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT) AS TEXT) AS detail
         FROM product_variants v LEFT JOIN stock_lots l ON l.variant_id = v.id
         GROUP BY v.id, v.stock_available
         HAVING v.stock_available <> CAST(COALESCE(SUM(l.remaining), 0) AS BIGINT)",
    ),
    (
        "every lot, draw, write-off, cart line and order line names a variant of its product",
        "SELECT t.kind || ' ' || CAST(t.id AS TEXT) AS subject,
                'product ' || CAST(t.product_id AS TEXT) || ', variant ' || COALESCE(CAST(t.variant_id AS TEXT), 'none') AS detail
         FROM (SELECT 'lot' AS kind, id, product_id, variant_id FROM stock_lots
               UNION ALL SELECT 'draw', id, product_id, variant_id FROM stock_draws
               UNION ALL SELECT 'write-off', id, product_id, variant_id FROM stock_adjustments
               UNION ALL SELECT 'cart line of user', user_id, product_id, variant_id FROM cart_lines
               UNION ALL SELECT 'order line', id, product_id, variant_id FROM order_items) t
         LEFT JOIN product_variants v ON v.id = t.variant_id
         WHERE v.id IS NULL OR v.product_id <> t.product_id",
    ),
    (
        "every product has variants, and its price range is theirs (on sale, else all)",
        "SELECT 'product ' || CAST(p.id AS TEXT) AS subject,
                'price ' || CAST(p.price AS TEXT) || ' to ' || CAST(p.price_max AS TEXT) || ' over ' ||
                CAST(COUNT(v.id) AS TEXT) || ' variants' AS detail
         FROM products p LEFT JOIN product_variants v ON v.product_id = p.id
         GROUP BY p.id, p.price, p.price_max
         HAVING COUNT(v.id) = 0
             OR p.price <> COALESCE(MIN(CASE WHEN v.status = 'active' THEN v.price END), MIN(v.price))
             OR p.price_max <> COALESCE(MAX(CASE WHEN v.status = 'active' THEN v.price END), MAX(v.price))",
    ),
    (
        "every product's category is a category, under its name",
        "SELECT 'product ' || CAST(p.id AS TEXT) AS subject,
                'category ' || COALESCE(p.category, 'none') || ' but category_id ' ||
                COALESCE(CAST(p.category_id AS TEXT), 'none') || ' is ' || COALESCE(c.name, 'no category') AS detail
         FROM products p LEFT JOIN categories c ON c.id = p.category_id
         WHERE (p.category IS NULL) <> (p.category_id IS NULL) OR c.name <> p.category
            OR (p.category_id IS NOT NULL AND c.id IS NULL)",
    ),
    (
        "no category is its own ancestor",
        "WITH RECURSIVE up(id, at, steps) AS (
             SELECT id, parent_id, 1 FROM categories
             UNION ALL SELECT u.id, c.parent_id, u.steps + 1 FROM up u JOIN categories c ON c.id = u.at WHERE u.steps < 100)
         SELECT DISTINCT 'category ' || CAST(id AS TEXT) AS subject, 'its ancestry comes back to it' AS detail
         FROM up WHERE at = id",
    ),
    (
        "every order line drew exactly its units, unless they went back",
        "SELECT 'order ' || CAST(o.id AS TEXT) || ' line ' || CAST(i.id AS TEXT) AS subject,
                'quantity ' || CAST(i.quantity AS TEXT) || ', drawn ' ||
                CAST(CAST(COALESCE(SUM(d.quantity), 0) AS BIGINT) AS TEXT) || ', still out ' ||
                CAST(CAST(COALESCE(SUM(d.quantity - d.returned), 0) AS BIGINT) AS TEXT) AS detail
         FROM order_items i JOIN orders o ON o.id = i.order_id
         LEFT JOIN stock_draws d ON d.reference = 'order_item:' || CAST(i.id AS TEXT)
         GROUP BY o.id, o.status, o.shipped_at, i.id, i.quantity
         HAVING CAST(COALESCE(SUM(d.quantity), 0) AS BIGINT) <> i.quantity
             OR (o.status = 'cancelled' AND CAST(COALESCE(SUM(d.quantity - d.returned), 0) AS BIGINT) <> 0)
             OR (o.status IN ('pending_payment', 'paid') AND CAST(COALESCE(SUM(d.returned + d.written_off), 0) AS BIGINT) <> 0)",
    ),
    // Returns (issue 22): a unit that came back is counted once, in its draw and in the
    // return line that received it, and never more than was drawn.
    (
        "no draw gives back more units than it took",
        "SELECT 'draw ' || CAST(id AS TEXT) AS subject,
                'took ' || CAST(quantity AS TEXT) || ', returned ' || CAST(returned AS TEXT) ||
                ', written off ' || CAST(written_off AS TEXT) AS detail
         FROM stock_draws WHERE returned + written_off > quantity",
    ),
    (
        "a shipped line's units back in stock or written off are exactly what its received returns counted",
        "SELECT 'order line ' || CAST(i.id AS TEXT) AS subject,
                'draws returned ' || CAST(CAST(COALESCE(SUM(d.returned), 0) AS BIGINT) AS TEXT) || ' and wrote off ' ||
                CAST(CAST(COALESCE(SUM(d.written_off), 0) AS BIGINT) AS TEXT) || '; returns restocked ' ||
                CAST(COALESCE((SELECT SUM(l.resellable) FROM return_lines l JOIN returns r ON r.id = l.return_id
                               WHERE l.order_item_id = i.id AND r.status = 'received'), 0) AS TEXT) || ' and damaged ' ||
                CAST(COALESCE((SELECT SUM(l.damaged) FROM return_lines l JOIN returns r ON r.id = l.return_id
                               WHERE l.order_item_id = i.id AND r.status = 'received'), 0) AS TEXT) AS detail
         FROM order_items i JOIN orders o ON o.id = i.order_id
         LEFT JOIN stock_draws d ON d.reference = 'order_item:' || CAST(i.id AS TEXT)
         WHERE o.shipped_at IS NOT NULL
         GROUP BY i.id
         HAVING CAST(COALESCE(SUM(d.returned), 0) AS BIGINT) <> COALESCE((SELECT SUM(l.resellable) FROM return_lines l
                    JOIN returns r ON r.id = l.return_id WHERE l.order_item_id = i.id AND r.status = 'received'), 0)
             OR CAST(COALESCE(SUM(d.written_off), 0) AS BIGINT) <> COALESCE((SELECT SUM(l.damaged) FROM return_lines l
                    JOIN returns r ON r.id = l.return_id WHERE l.order_item_id = i.id AND r.status = 'received'), 0)",
    ),
    (
        "a return names lines of its own received order, and no line is returned beyond what was bought",
        "SELECT 'order line ' || CAST(i.id AS TEXT) AS subject,
                'bought ' || CAST(i.quantity AS TEXT) || ', held by returns ' ||
                CAST(CAST(SUM(CASE WHEN r.status = 'received' THEN l.resellable + l.damaged ELSE l.quantity END) AS BIGINT) AS TEXT) ||
                ', of orders ' || CAST(MIN(r.order_id) AS TEXT) || '-' || CAST(MAX(r.order_id) AS TEXT) AS detail
         FROM return_lines l JOIN returns r ON r.id = l.return_id JOIN order_items i ON i.id = l.order_item_id
         JOIN orders o ON o.id = i.order_id
         WHERE r.status <> 'rejected'
         GROUP BY i.id, i.quantity, i.order_id
         HAVING CAST(SUM(CASE WHEN r.status = 'received' THEN l.resellable + l.damaged ELSE l.quantity END) AS BIGINT) > i.quantity
             OR MIN(r.order_id) <> i.order_id OR MAX(r.order_id) <> i.order_id
             OR MIN(CASE WHEN o.received_at IS NULL THEN 0 ELSE 1 END) = 0",
    ),
    (
        "returns never pay a line back more than was paid for it",
        "SELECT 'order line ' || CAST(i.id AS TEXT) AS subject,
                'paid ' || CAST(i.line_total - i.discount + CASE WHEN o.tax_mode = 'exclusive' THEN i.tax ELSE 0 END AS TEXT) ||
                ', returns paid back ' || CAST(CAST(SUM(l.refund) AS BIGINT) AS TEXT) AS detail
         FROM return_lines l JOIN returns r ON r.id = l.return_id AND r.status = 'received'
         JOIN order_items i ON i.id = l.order_item_id JOIN orders o ON o.id = i.order_id
         GROUP BY i.id, i.line_total, i.discount, i.tax, o.tax_mode
         HAVING CAST(SUM(l.refund) AS BIGINT) > i.line_total - i.discount + CASE WHEN o.tax_mode = 'exclusive' THEN i.tax ELSE 0 END",
    ),
    (
        "no line is paid back more than was paid for it, by the refunds tied to it and its returns together",
        "SELECT 'order line ' || CAST(i.id AS TEXT) AS subject,
                'paid ' || CAST(i.line_total - i.discount + CASE WHEN o.tax_mode = 'exclusive' THEN i.tax ELSE 0 END AS TEXT) ||
                ', refunds tied to it ' || CAST(x.refunded AS TEXT) || ', returns paid back ' || CAST(x.returned AS TEXT) AS detail
         FROM (SELECT t.order_item_id, CAST(SUM(t.refunded) AS BIGINT) AS refunded, CAST(SUM(t.returned) AS BIGINT) AS returned
               FROM (SELECT l.order_item_id, l.amount AS refunded, 0 AS returned
                     FROM refund_lines l JOIN refunds r ON r.id = l.refund_id
                     WHERE r.status IN ('requested', 'processing', 'refunded')
                     UNION ALL
                     SELECT l.order_item_id, 0, l.refund
                     FROM return_lines l JOIN returns r ON r.id = l.return_id WHERE r.status = 'received') t
               GROUP BY t.order_item_id) x
         JOIN order_items i ON i.id = x.order_item_id JOIN orders o ON o.id = i.order_id
         WHERE x.refunded + x.returned > i.line_total - i.discount + CASE WHEN o.tax_mode = 'exclusive' THEN i.tax ELSE 0 END",
    ),
    (
        "a refund tied to lines is their sum, and they are lines of its own order",
        "SELECT 'refund ' || CAST(r.id AS TEXT) AS subject,
                'amount ' || CAST(r.amount AS TEXT) || ', lines ' || CAST(CAST(SUM(l.amount) AS BIGINT) AS TEXT) AS detail
         FROM refunds r JOIN refund_lines l ON l.refund_id = r.id JOIN order_items i ON i.id = l.order_item_id
         GROUP BY r.id, r.amount, r.order_id
         HAVING CAST(SUM(l.amount) AS BIGINT) <> r.amount OR MIN(i.order_id) <> r.order_id OR MAX(i.order_id) <> r.order_id",
    ),
    (
        "a received return that owes money has opened its refund of that amount, and never owes more than its lines and shipping",
        "SELECT 'return ' || CAST(r.id AS TEXT) AS subject,
                'owes ' || CAST(r.refund_amount AS TEXT) || ' (shipping ' || CAST(r.shipping_refund AS TEXT) || '); refund ' ||
                COALESCE(CAST(f.id AS TEXT) || ' ' || f.status || ' of ' || CAST(f.amount AS TEXT), 'none') AS detail
         FROM returns r LEFT JOIN refunds f ON f.id = r.refund_id
         WHERE r.status = 'received' AND (
               (r.refund_amount > 0 AND (f.id IS NULL OR f.amount <> r.refund_amount OR f.order_id <> r.order_id
                                         OR f.status IN ('requested', 'rejected')))
            OR r.refund_amount > r.shipping_refund + (SELECT COALESCE(SUM(l.refund), 0) FROM return_lines l WHERE l.return_id = r.id))",
    ),
    (
        "every order's totals add up: lines less their discounts, plus shipping (plus tax when prices exclude it)",
        "SELECT 'order ' || CAST(o.id AS TEXT) AS subject, 'subtotal ' || CAST(o.subtotal AS TEXT) || ', lines ' ||
                CAST(CAST(COALESCE(SUM(i.line_total), 0) AS BIGINT) AS TEXT) || ', discounts ' ||
                CAST(o.discount_total AS TEXT) || ', total ' || CAST(o.total AS TEXT) AS detail
         FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
         GROUP BY o.id, o.subtotal, o.shipping_fee, o.total, o.discount_total, o.shipping_discount, o.tax_total, o.shipping_tax, o.tax_mode
         HAVING o.subtotal <> CAST(COALESCE(SUM(i.line_total), 0) AS BIGINT)
             OR o.discount_total <> CAST(COALESCE(SUM(i.discount), 0) AS BIGINT) + o.shipping_discount
             OR o.tax_total <> CAST(COALESCE(SUM(i.tax), 0) AS BIGINT) + o.shipping_tax
             OR o.total <> o.subtotal - (o.discount_total - o.shipping_discount) + o.shipping_fee
                           + CASE WHEN o.tax_mode = 'exclusive' THEN o.tax_total ELSE 0 END",
    ),
    (
        "no order line is discounted below nothing, and its discounts add up",
        "SELECT 'order line ' || CAST(i.id AS TEXT) AS subject,
                'line_total ' || CAST(i.line_total AS TEXT) || ', discount ' || CAST(i.discount AS TEXT) AS detail
         FROM order_items i
         WHERE i.discount < 0 OR i.discount > i.line_total OR i.tax < 0",
    ),
    (
        "every coupon's use count is the orders holding it (cancelled orders give theirs back)",
        "SELECT 'coupon ' || c.code AS subject,
                'used ' || CAST(c.used AS TEXT) || ' but held by ' ||
                CAST((SELECT COUNT(*) FROM coupon_redemptions r JOIN orders o ON o.id = r.order_id
                      WHERE r.coupon_id = c.id AND r.released_at IS NULL AND o.status <> 'cancelled') AS TEXT) ||
                ' orders' AS detail
         FROM coupons c
         WHERE c.used <> (SELECT COUNT(*) FROM coupon_redemptions r JOIN orders o ON o.id = r.order_id
                          WHERE r.coupon_id = c.id AND r.released_at IS NULL AND o.status <> 'cancelled')
            OR (c.usage_limit IS NOT NULL AND c.used > c.usage_limit)",
    ),
    (
        "refunds never exceed what was paid, and match the refunds paid out",
        "SELECT 'order ' || CAST(o.id AS TEXT) AS subject, 'paid ' || CAST(o.paid_amount AS TEXT) || ', refunded ' ||
                CAST(o.refunded_amount AS TEXT) || ', refunds paid out ' ||
                CAST(CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) AS TEXT) AS detail
         FROM orders o LEFT JOIN refunds r ON r.order_id = o.id AND r.status = 'refunded'
         GROUP BY o.id, o.paid_amount, o.refunded_amount
         HAVING o.refunded_amount > o.paid_amount OR o.refunded_amount <> CAST(COALESCE(SUM(r.amount), 0) AS BIGINT)",
    ),
    (
        "every paid order is backed by exactly one succeeded payment of its amount (besides duplicates)",
        "SELECT 'order ' || CAST(o.id AS TEXT) AS subject, o.status || ', paid ' || CAST(o.paid_amount AS TEXT) || ', ' ||
                CAST(COUNT(p.id) AS TEXT) || ' succeeded payments of ' ||
                CAST(CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) AS TEXT) || ', duplicates ' ||
                CAST(COUNT(p.duplicate_of) AS TEXT) AS detail
         FROM orders o LEFT JOIN payments p ON p.order_id = o.id AND p.status = 'succeeded'
         GROUP BY o.id, o.status, o.paid_amount, o.total
         HAVING (o.status IN ('paid', 'shipped', 'received', 'refunded')
                 AND (COUNT(p.id) - COUNT(p.duplicate_of) <> 1
                      OR o.paid_amount - CAST(COALESCE(SUM(CASE WHEN p.duplicate_of IS NOT NULL THEN p.amount END), 0) AS BIGINT) <> o.total))
             OR (o.status = 'pending_payment' AND COUNT(p.id) <> 0)
             OR CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) <> o.paid_amount",
    ),
    (
        "a payment that paid an order a second time is being paid back in full",
        "SELECT 'payment ' || CAST(p.id AS TEXT) AS subject, 'duplicate of payment ' || CAST(p.duplicate_of AS TEXT) ||
                ' without a refund of its ' || CAST(p.amount AS TEXT) AS detail
         FROM payments p
         WHERE p.duplicate_of IS NOT NULL
           AND (p.status <> 'succeeded' OR NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id
                  AND r.status IN ('processing', 'refunded') AND r.amount = p.amount))",
    ),
    (
        "a payment's channel belongs to its provider, and a QR channel's pay page has its code",
        "SELECT 'payment ' || CAST(id AS TEXT) AS subject, provider || ' ' || COALESCE(channel, '(none)') AS detail
         FROM payments
         WHERE (provider = 'sandbox' AND channel IS NOT NULL)
            OR (provider = 'alipay' AND COALESCE(channel, '') NOT IN ('page', 'wap', 'qr'))
            OR (provider = 'wechatpay' AND COALESCE(channel, '') NOT IN ('native', 'h5'))
            OR (channel IN ('qr', 'native') AND pay_url IS NOT NULL AND qr_code IS NULL)",
    ),
    (
        "a refunded order has paid everything back",
        "SELECT 'order ' || CAST(id AS TEXT) AS subject, 'paid ' || CAST(paid_amount AS TEXT) || ', refunded ' ||
                CAST(refunded_amount AS TEXT) AS detail
         FROM orders WHERE status = 'refunded' AND refunded_amount <> paid_amount",
    ),
    // The sandbox provider's ledger against the shop's books: money it collected or paid
    // back that the shop does not know of (or the reverse) is a double or lost charge or
    // refund. Its refunds are keyed `emporium-refund-<refund id>` (the shop's idempotency
    // key, `RefundRequest::key_for` in crates/payments); a refund still `processing` may
    // already be paid at the provider (the answer not yet recorded), never the reverse.
    (
        "the sandbox's refunds add up to what it paid back per payment",
        "SELECT 'sandbox payment ' || CAST(s.merchant_payment AS TEXT) AS subject,
                'refunded ' || CAST(s.refunded AS TEXT) || ' but its refunds sum to ' ||
                CAST(CAST(COALESCE(SUM(f.amount), 0) AS BIGINT) AS TEXT) AS detail
         FROM sandbox_payments s LEFT JOIN sandbox_refunds f ON f.merchant_payment = s.merchant_payment AND f.status = 'succeeded'
         GROUP BY s.merchant_payment, s.refunded
         HAVING s.refunded <> CAST(COALESCE(SUM(f.amount), 0) AS BIGINT)",
    ),
    (
        "every refund the sandbox paid is one shop refund, paid back or being recorded, of its amount",
        "SELECT 'sandbox refund ' || f.idempotency_key AS subject,
                'paid ' || CAST(f.amount AS TEXT) || ' on payment ' || CAST(f.merchant_payment AS TEXT) || '; the shop has ' ||
                COALESCE(r.status || ' ' || CAST(r.amount AS TEXT) || ' on payment ' || CAST(r.payment_id AS TEXT), 'no such refund') AS detail
         FROM sandbox_refunds f LEFT JOIN refunds r ON 'emporium-refund-' || CAST(r.id AS TEXT) = f.idempotency_key
         WHERE f.status = 'succeeded'
           AND (r.id IS NULL OR r.status NOT IN ('refunded', 'processing') OR r.amount <> f.amount OR r.payment_id <> f.merchant_payment)",
    ),
    (
        "every sandbox refund the shop recorded as paid back was paid by the sandbox",
        "SELECT 'refund ' || CAST(r.id AS TEXT) AS subject,
                'refunded ' || CAST(r.amount AS TEXT) || ' but the sandbox ' ||
                COALESCE('answered ' || f.status, 'has no refund of that key') AS detail
         FROM refunds r JOIN payments p ON p.id = r.payment_id AND p.provider = 'sandbox'
         LEFT JOIN sandbox_refunds f ON f.idempotency_key = 'emporium-refund-' || CAST(r.id AS TEXT)
         WHERE r.status = 'refunded' AND (f.idempotency_key IS NULL OR f.status <> 'succeeded')",
    ),
    // The shop may count a payment the sandbox never saw completed (a notification signed
    // with the shared secret by someone else, as the API tests do); that is not checked
    // here. Money the sandbox took that the shop does not count is.
    (
        "every payment the sandbox collected is the shop's, of its amount, and not failed",
        "SELECT 'sandbox payment ' || CAST(s.merchant_payment AS TEXT) AS subject,
                'collected ' || CAST(s.amount AS TEXT) || '; the shop has ' ||
                COALESCE(p.status || ' ' || CAST(p.amount AS TEXT), 'no such payment') AS detail
         FROM sandbox_payments s LEFT JOIN payments p ON p.id = s.merchant_payment
         WHERE s.status = 'succeeded' AND (p.id IS NULL OR p.status = 'failed' OR p.amount <> s.amount OR p.order_id <> s.order_id)",
    ),
    (
        "the sandbox collected at most once per order",
        "SELECT 'order ' || CAST(s.order_id AS TEXT) AS subject,
                CAST(COUNT(*) AS TEXT) || ' payments collected, ' || CAST(CAST(SUM(s.amount) AS BIGINT) AS TEXT) || ' in all' AS detail
         FROM sandbox_payments s WHERE s.status = 'succeeded'
         GROUP BY s.order_id HAVING COUNT(*) > 1",
    ),
    (
        "every product's rating is the sum over its visible reviews",
        "SELECT 'product ' || CAST(p.id AS TEXT) AS subject, 'rating ' || CAST(p.rating_sum AS TEXT) || '/' ||
                CAST(p.rating_count AS TEXT) || ' but visible reviews ' ||
                CAST(CAST(COALESCE(SUM(r.rating), 0) AS BIGINT) AS TEXT) || '/' || CAST(COUNT(r.id) AS TEXT) AS detail
         FROM products p LEFT JOIN reviews r ON r.product_id = p.id AND r.status = 'visible'
         GROUP BY p.id, p.rating_sum, p.rating_count
         HAVING p.rating_sum <> CAST(COALESCE(SUM(r.rating), 0) AS BIGINT) OR p.rating_count <> COUNT(r.id)",
    ),
    (
        "a guest has no password and no staff role, and each guest order carries the email it was placed with",
        "SELECT 'user ' || CAST(u.id AS TEXT) AS subject, 'a guest with a password or role ' || u.role AS detail
         FROM users u WHERE u.guest = 1 AND (u.password_hash <> '!' OR u.role <> 'customer')
         UNION ALL
         SELECT 'order ' || CAST(o.id AS TEXT), 'a guest order without an email'
         FROM orders o JOIN users u ON u.id = o.user_id WHERE u.guest = 1 AND o.guest_email IS NULL",
    ),
    (
        "a guest order belongs to a guest, or to an account that proved an email address",
        "SELECT 'order ' || CAST(o.id AS TEXT) AS subject, 'placed by a guest, now owned by unverified user ' || CAST(u.id AS TEXT) AS detail
         FROM orders o JOIN users u ON u.id = o.user_id
         WHERE o.guest_email IS NOT NULL AND u.guest = 0 AND u.email_verified_at IS NULL",
    ),
    (
        "an account token expires after it is made, is used (if at all) in between, and a verification names its address",
        "SELECT 'account token ' || CAST(t.id AS TEXT) AS subject, t.purpose AS detail FROM account_tokens t
         WHERE t.expires_at <= t.created_at OR t.used_at < t.created_at
            OR (t.purpose = 'verify_email' AND t.email IS NULL)",
    ),
    (
        "every translation names a product or category that exists, and a field it has",
        "SELECT t.subject || ' ' || CAST(t.subject_id AS TEXT) AS subject,
                t.locale || ' ' || t.field || ': ' ||
                CASE WHEN p.id IS NULL AND c.id IS NULL THEN 'no such record' ELSE 'unknown field' END AS detail
         FROM translations t
         LEFT JOIN products p ON t.subject = 'product' AND p.id = t.subject_id
         LEFT JOIN categories c ON t.subject = 'category' AND c.id = t.subject_id
         WHERE (p.id IS NULL AND c.id IS NULL)
            OR (t.subject = 'category' AND t.field <> 'name')
            OR (t.subject = 'product' AND t.field NOT IN ('name', 'description')
                AND t.field NOT LIKE 'option%' AND t.field NOT LIKE 'value%')",
    ),
    (
        "only a message still to be sent keeps its secret (a sent link is never kept)",
        "SELECT 'message ' || CAST(id AS TEXT) AS subject, status || ' but still holds its secret' AS detail
         FROM messages WHERE secret IS NOT NULL AND status <> 'pending'",
    ),
    (
        "every message's order and customer exist, and a sent one says when",
        "SELECT 'message ' || CAST(m.id AS TEXT) AS subject,
                CASE WHEN m.order_id IS NOT NULL AND o.id IS NULL THEN 'order ' || CAST(m.order_id AS TEXT) || ' is missing'
                     WHEN m.user_id IS NOT NULL AND u.id IS NULL THEN 'user ' || CAST(m.user_id AS TEXT) || ' is missing'
                     ELSE 'sent without sent_at' END AS detail
         FROM messages m
         LEFT JOIN orders o ON o.id = m.order_id
         LEFT JOIN users u ON u.id = m.user_id
         WHERE (m.order_id IS NOT NULL AND o.id IS NULL) OR (m.user_id IS NOT NULL AND u.id IS NULL)
            OR (m.status = 'sent' AND m.sent_at IS NULL)",
    ),
    (
        "every audit entry's actor is a user (or nobody, for an anonymous security event)",
        "SELECT 'audit entry ' || CAST(a.id AS TEXT) AS subject, 'actor ' || CAST(a.actor_id AS TEXT) || ' is not a user' AS detail
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.actor_id IS NOT NULL AND u.id IS NULL",
    ),
    (
        "a deleted account holds no clear personal data, no data key, no login and no address book",
        "SELECT 'user ' || CAST(u.id AS TEXT) AS subject, 'deleted but still holds personal data or a key' AS detail
         FROM users u
         WHERE u.deleted_at IS NOT NULL
           AND (u.email IS NOT NULL OR u.display_name IS NOT NULL OR u.phone IS NOT NULL OR u.password_hash <> '!'
                OR u.username <> 'deleted-' || CAST(u.id AS TEXT)
                OR EXISTS (SELECT 1 FROM user_keys k WHERE k.user_id = u.id)
                OR EXISTS (SELECT 1 FROM addresses a WHERE a.user_id = u.id)
                OR EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id))
         UNION ALL
         SELECT 'order ' || CAST(o.id AS TEXT), 'of a deleted account, with a readable address, contact or note'
         FROM orders o JOIN users u ON u.id = o.user_id
         WHERE u.deleted_at IS NOT NULL
           AND ((SUBSTR(o.address, 1, 5) <> 'enc2:' AND o.address <> '(erased)')
                OR o.guest_email IS NOT NULL OR o.note IS NOT NULL
                OR (o.guest_phone IS NOT NULL AND SUBSTR(o.guest_phone, 1, 5) <> 'enc2:' AND o.guest_phone <> '(erased)'))",
    ),
    (
        // `messages::owe_staff_new_order_in`, called when a paid notice's attempt is recorded.
        "every paid notice that was tried has owed staff their new-order notice",
        "SELECT 'message ' || CAST(m.id AS TEXT) AS subject,
                'order_paid tried ' || CAST(m.attempts AS TEXT) || ' times, but staff were not told of order ' || CAST(m.order_id AS TEXT) AS detail
         FROM messages m
         WHERE m.kind = 'order_paid' AND m.attempts > 0 AND m.order_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM messages s
                           WHERE s.event_key = 'order:' || CAST(m.order_id AS TEXT) || ':paid:staff')",
    ),
    (
        // 15 is `messages::MAX_ATTEMPTS`: the attempt that reaches it marks the message failed.
        "no message is still pending after its last attempt",
        "SELECT 'message ' || CAST(id AS TEXT) AS subject, 'pending after ' || CAST(attempts AS TEXT) || ' attempts' AS detail
         FROM messages WHERE status = 'pending' AND attempts >= 15",
    ),
];

/// One broken invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Which invariant.
    pub invariant: &'static str,
    /// What breaks it (`lot 7`, `order 12`).
    pub subject: String,
    /// The numbers.
    pub detail: String,
}

impl Store {
    /// Runs every invariant check; an empty answer means the database is clean.
    pub async fn check_invariants(&self) -> Result<(usize, Vec<Violation>), StoreError> {
        let mut violations = Vec::new();
        for (invariant, sql) in CHECKS {
            for row in query(*sql).fetch_all(self.reader()).await? {
                violations.push(Violation {
                    invariant,
                    subject: row.try_get("subject")?,
                    detail: row.try_get("detail")?,
                });
            }
        }
        Ok((CHECKS.len(), violations))
    }
}
