-- The category tree: categories with a parent, a slug, a position among their siblings,
-- and a name in the shop's own language (translations, `translations`, below). Every
-- distinct category a product held becomes a top-level category of that name, and the
-- product points at it; `products.category` stays, as the category's name, for display
-- and search (kept in step when a category is renamed).
CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    parent_id   BIGINT  REFERENCES categories (id),
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL UNIQUE,
    position    BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX categories_by_parent ON categories (parent_id, position, id);

-- Slugs start as the name (unique here) and become `c<id>`: ASCII, stable, staff may
-- change them.
INSERT INTO categories (slug, name, position, created_at, updated_at)
SELECT category, category, 0, MIN(created_at), MAX(updated_at) FROM products
WHERE category IS NOT NULL GROUP BY category;
UPDATE categories SET slug = 'c' || CAST(id AS TEXT);

ALTER TABLE products ADD COLUMN category_id BIGINT REFERENCES categories (id);
UPDATE products SET category_id = (SELECT c.id FROM categories c WHERE c.name = products.category);
-- The listings by category filter on the id (a category and its descendants) now.
DROP INDEX products_by_category_newest;
DROP INDEX products_by_category_price;
DROP INDEX products_by_category_rating;
CREATE INDEX products_by_category_newest ON products (status, category_id, created_at, id);
CREATE INDEX products_by_category_price  ON products (status, category_id, price, id);
CREATE INDEX products_by_category_rating ON products (status, category_id, rating_milli, id);

-- Translations of what the shop writes in its own language, into other locales:
-- `subject` is 'category', 'product', 'variant' or 'option'; `field` the translated
-- field ('name', 'description', 'values'…); the original stays in the subject's row and
-- is the fallback.
CREATE TABLE translations (
    subject     TEXT    NOT NULL,
    subject_id  BIGINT  NOT NULL,
    locale      TEXT    NOT NULL,
    field       TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    PRIMARY KEY (subject, subject_id, locale, field)
);
