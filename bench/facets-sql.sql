-- The facet counts of an unfiltered listing done in SQL, for comparison with the search
-- index's (BENCHMARKS.md, round seven). Run against a bench template database:
--   sqlite3 -cmd '.timer on' target/bench-data/<template>/emporium.db < bench/facets-sql.sql
-- The option query counts products per combination, which the application would still have
-- to split into per-value counts: a lower bound on what SQL would cost.

-- categories (each product under its own category; ancestors added up in the application)
SELECT category_id, COUNT(*) FROM products WHERE status = 'active' GROUP BY category_id;

-- price bands
SELECT CASE WHEN price < 5000 THEN 0 WHEN price < 10000 THEN 1 WHEN price < 20000 THEN 2
            WHEN price < 50000 THEN 3 WHEN price < 100000 THEN 4 WHEN price < 200000 THEN 5
            WHEN price < 500000 THEN 6 ELSE 7 END AS band, COUNT(*)
FROM products WHERE status = 'active' GROUP BY band;

-- in stock
SELECT COUNT(*) FROM products p WHERE p.status = 'active' AND EXISTS (
    SELECT 1 FROM product_variants v WHERE v.product_id = p.id AND v.status = 'active' AND v.stock_available > 0);

-- option values (per combination)
SELECT p.options, v.option_values, COUNT(DISTINCT p.id) FROM products p
JOIN product_variants v ON v.product_id = p.id AND v.status = 'active'
WHERE p.status = 'active' GROUP BY p.options, v.option_values;
