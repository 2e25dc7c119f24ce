-- Pricing at checkout (issue 20): shipping zones and methods, automatic promotions,
-- coupons and their redemptions, tax rates, and what an order keeps of its pricing.
-- The rules' meaning is crates/domain/src/pricing; lists of ids are stored as text
-- (`1,2,3`), tiers as `bound:amount` pairs (`1000:800,5000:1200,:2000`).

-- Where the shop ships: one country (or some of its regions), or, with no country,
-- everywhere no other zone covers. A shop that has configured no zone prices as before
-- (crates/domain/src/pricing/rules.rs, `Rules::default_shop`).
CREATE TABLE shipping_zones (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    country     TEXT,
    regions     TEXT    NOT NULL DEFAULT '',     -- tab-separated, '' = the whole country
    position    BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE shipping_methods (
    id          INTEGER PRIMARY KEY,
    zone_id     BIGINT  NOT NULL REFERENCES shipping_zones (id),
    name        TEXT    NOT NULL,
    name_en     TEXT,
    rule        TEXT    NOT NULL CHECK (rule IN ('flat', 'weight', 'count')),
    fee         BIGINT  NOT NULL DEFAULT 0 CHECK (fee >= 0),        -- flat fee; count: the first item
    each_more   BIGINT  NOT NULL DEFAULT 0 CHECK (each_more >= 0),  -- count: each further item
    tiers       TEXT    NOT NULL DEFAULT '',                        -- weight: up_to_grams:fee,…
    free_above  BIGINT  CHECK (free_above >= 0),
    estimate    TEXT,
    position    BIGINT  NOT NULL DEFAULT 0,
    active      BIGINT  NOT NULL DEFAULT 1,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX shipping_methods_by_zone ON shipping_methods (zone_id, position, id);

CREATE TABLE promotions (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('threshold', 'percent_off', 'fixed_off', 'free_shipping', 'buy_n_get_m')),
    tiers        TEXT    NOT NULL DEFAULT '',   -- threshold: min_spend:off,…
    value        BIGINT  NOT NULL DEFAULT 0,    -- percent_off: percent; fixed_off: amount per unit; free_shipping: min spend
    buy_units    BIGINT  NOT NULL DEFAULT 0,    -- buy_n_get_m: n paid
    free_units   BIGINT  NOT NULL DEFAULT 0,    -- buy_n_get_m: m free
    product_ids  TEXT    NOT NULL DEFAULT '',
    variant_ids  TEXT    NOT NULL DEFAULT '',
    category_ids TEXT    NOT NULL DEFAULT '',
    starts_at    BIGINT,
    ends_at      BIGINT,
    priority     BIGINT  NOT NULL DEFAULT 0,
    combinable   BIGINT  NOT NULL DEFAULT 1,
    active       BIGINT  NOT NULL DEFAULT 1,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);

-- `used` counts the orders holding the coupon (cancelled ones give their use back); it is
-- raised inside the order's transaction by a conditional update, so it never passes
-- `usage_limit` whatever the concurrency.
CREATE TABLE coupons (
    id                  INTEGER PRIMARY KEY,
    code                TEXT    NOT NULL UNIQUE,          -- upper case
    kind                TEXT    NOT NULL CHECK (kind IN ('fixed', 'percent')),
    value               BIGINT  NOT NULL CHECK (value > 0),
    max_discount        BIGINT  CHECK (max_discount > 0),
    min_spend           BIGINT  CHECK (min_spend >= 0),
    product_ids         TEXT    NOT NULL DEFAULT '',
    variant_ids         TEXT    NOT NULL DEFAULT '',
    category_ids        TEXT    NOT NULL DEFAULT '',
    starts_at           BIGINT,
    ends_at             BIGINT,
    usage_limit         BIGINT  CHECK (usage_limit > 0),
    per_customer_limit  BIGINT  CHECK (per_customer_limit > 0),
    used                BIGINT  NOT NULL DEFAULT 0 CHECK (used >= 0 AND (usage_limit IS NULL OR used <= usage_limit)),
    combinable          BIGINT  NOT NULL DEFAULT 1,
    active              BIGINT  NOT NULL DEFAULT 1,
    batch               TEXT,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);

-- One row per order holding a coupon; `released_at` is set when the order is cancelled.
CREATE TABLE coupon_redemptions (
    coupon_id    BIGINT  NOT NULL REFERENCES coupons (id),
    order_id     BIGINT  NOT NULL REFERENCES orders (id),
    user_id      BIGINT,
    amount       BIGINT  NOT NULL CHECK (amount >= 0),
    created_at   BIGINT  NOT NULL,
    released_at  BIGINT,
    PRIMARY KEY (coupon_id, order_id)
);
CREATE INDEX coupon_redemptions_by_customer ON coupon_redemptions (coupon_id, user_id);
CREATE INDEX coupon_redemptions_by_order ON coupon_redemptions (order_id);

-- A tax rate for a category (and what is below it), optionally only in one region; the
-- default and shipping rates and whether prices include tax are settings (`tax.*`).
CREATE TABLE tax_rates (
    id           INTEGER PRIMARY KEY,
    category_id  BIGINT  NOT NULL REFERENCES categories (id),
    region       TEXT,
    rate         BIGINT  NOT NULL CHECK (rate BETWEEN 0 AND 10000),   -- basis points
    created_at   BIGINT  NOT NULL
);
CREATE UNIQUE INDEX tax_rates_one_per_place ON tax_rates (category_id, COALESCE(region, ''));

-- What an order keeps of its pricing, as it was priced: `subtotal` stays the lines at
-- list price; `discount_total` the lines' discounts plus the shipping's; `shipping_fee`
-- the fee after its discount; `offers` the promotions and coupons considered, applied or
-- not and why (one per line: `kind<TAB>id or code<TAB>applied<TAB>amount<TAB>reason`).
ALTER TABLE orders ADD COLUMN discount_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN shipping_discount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN tax_total BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN shipping_tax BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN tax_mode TEXT NOT NULL DEFAULT 'inclusive';
ALTER TABLE orders ADD COLUMN shipping_method_id BIGINT;
ALTER TABLE orders ADD COLUMN shipping_method TEXT;
ALTER TABLE orders ADD COLUMN offers TEXT NOT NULL DEFAULT '';
-- 发票 asked for at checkout: `kind<TAB>title<TAB>taxpayer id`, sealed like the address
-- (a personal invoice's title is a name).
ALTER TABLE orders ADD COLUMN invoice TEXT;
-- A line's discounts (`source<TAB>amount`, one per line of text), their sum, and its tax.
ALTER TABLE order_items ADD COLUMN discounts TEXT NOT NULL DEFAULT '';
ALTER TABLE order_items ADD COLUMN discount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_items ADD COLUMN tax BIGINT NOT NULL DEFAULT 0;
