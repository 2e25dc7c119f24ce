-- Options and variants (see crates/domain/src/variant.rs for the stored forms). Every
-- existing product becomes a product with one variant whose id is the product's id: it
-- keeps the SKU, the price, the stock, the lots, the cart lines and the order lines.

-- The product's options, one line per option: `name<TAB>value<TAB>…` ('' for none).
ALTER TABLE products ADD COLUMN options TEXT NOT NULL DEFAULT '';
-- `price` is from here on the lowest price among the product's variants on sale (the
-- listings' price order and filters use it); `price_max` the highest.
ALTER TABLE products ADD COLUMN price_max BIGINT NOT NULL DEFAULT 0;
UPDATE products SET price_max = price;

CREATE TABLE product_variants (
    id                INTEGER PRIMARY KEY,
    product_id        BIGINT  NOT NULL REFERENCES products (id),
    sku               TEXT    UNIQUE,
    option_values     TEXT    NOT NULL DEFAULT '',      -- values joined by tabs, options' order
    price             BIGINT  NOT NULL CHECK (price > 0),
    compare_at_price  BIGINT  CHECK (compare_at_price IS NULL OR compare_at_price > price),
    weight_grams      BIGINT  NOT NULL DEFAULT 0 CHECK (weight_grams >= 0),
    barcode           TEXT,
    image             TEXT,
    status            TEXT    NOT NULL CHECK (status IN ('active', 'draft', 'archived')),
    -- Units on hand: the sum of this variant's lots; the product's `stock_available` is
    -- the sum over its variants. A draw updates the product first (its row lock orders
    -- concurrent draws of any of its variants, see the crate docs), then the variant.
    stock_available   BIGINT  NOT NULL DEFAULT 0 CHECK (stock_available >= 0),
    position          BIGINT  NOT NULL DEFAULT 0,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    UNIQUE (product_id, option_values)
);
CREATE INDEX product_variants_by_product ON product_variants (product_id, position, id);

INSERT INTO product_variants (id, product_id, sku, option_values, price, status, stock_available, position, created_at, updated_at)
SELECT id, id, sku, '', price, 'active', stock_available, 0, created_at, updated_at FROM products;
-- The SKU is the variant's now. (SQLite cannot drop a UNIQUE column; `products.sku` stays,
-- always NULL, on both engines so their schemas match.)
UPDATE products SET sku = NULL;

-- Lots, draws and write-offs name the variant. The columns are nullable only because
-- SQLite cannot add a NOT NULL column with a foreign key; every write sets them and
-- `emporium check` verifies none is missing.
ALTER TABLE stock_lots ADD COLUMN variant_id BIGINT REFERENCES product_variants (id);
UPDATE stock_lots SET variant_id = product_id;
CREATE INDEX stock_lots_variant_fifo ON stock_lots (variant_id, received_at, id);
ALTER TABLE stock_draws ADD COLUMN variant_id BIGINT REFERENCES product_variants (id);
UPDATE stock_draws SET variant_id = product_id;
ALTER TABLE stock_adjustments ADD COLUMN variant_id BIGINT REFERENCES product_variants (id);
UPDATE stock_adjustments SET variant_id = product_id;

-- A cart line is one variant.
CREATE TABLE cart_lines (
    user_id     BIGINT  NOT NULL REFERENCES users (id),
    variant_id  BIGINT  NOT NULL REFERENCES product_variants (id),
    product_id  BIGINT  NOT NULL REFERENCES products (id),
    quantity    BIGINT  NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    added_at    BIGINT  NOT NULL,
    PRIMARY KEY (user_id, variant_id)
);
INSERT INTO cart_lines (user_id, variant_id, product_id, quantity, added_at)
SELECT user_id, product_id, product_id, quantity, added_at FROM cart_items;
DROP TABLE cart_items;

-- An order line is one variant, with a snapshot of its SKU and option values
-- (`name<TAB>value` per line) as they were when it was bought.
ALTER TABLE order_items ADD COLUMN variant_id BIGINT REFERENCES product_variants (id);
ALTER TABLE order_items ADD COLUMN sku TEXT;
ALTER TABLE order_items ADD COLUMN options TEXT NOT NULL DEFAULT '';
UPDATE order_items SET variant_id = product_id,
    sku = (SELECT v.sku FROM product_variants v WHERE v.id = order_items.product_id);
