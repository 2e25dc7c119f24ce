-- SQLite evaluates `x IN ('a', 'b', 'c')` (three values or more) by building a temporary
-- b-tree of the values, every time, and a CHECK constraint is evaluated on every INSERT
-- and on every UPDATE of its column: each order placed or paid, payment, stored answer
-- and outbox message opened and closed such a b-tree inside the one writer's
-- transaction (callgrind: about 35,000 instructions each, over half of a message row's
-- cost; BENCHMARKS round fourteen). The same constraints as equalities joined by OR
-- allow exactly the same values and need no b-tree.
--
-- A CHECK constraint can be changed in place: it does not touch the stored rows, so the
-- tables' text in the schema is edited (SQLite's documented procedure for changing
-- constraints, https://sqlite.org/lang_altertable.html#otheralter). Creating and dropping
-- a table afterwards moves the schema cookie, so every connection reads the new text.
-- New constraints are written with OR from now on (tests/migrations.rs holds to it).
-- PostgreSQL has no such cost; its 0019 changes nothing.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(sql,
        'staff_role IN (''owner'', ''manager'', ''fulfilment'', ''support'', ''catalogue'', ''analyst'')',
        '(staff_role = ''owner'' OR staff_role = ''manager'' OR staff_role = ''fulfilment'' OR staff_role = ''support'' OR staff_role = ''catalogue'' OR staff_role = ''analyst'')'),
        'status IN (''active'', ''draft'', ''archived'')',
        '(status = ''active'' OR status = ''draft'' OR status = ''archived'')'),
        'status IN (''pending_payment'', ''paid'', ''cancelled'', ''shipped'', ''received'', ''refunded'')',
        '(status = ''pending_payment'' OR status = ''paid'' OR status = ''cancelled'' OR status = ''shipped'' OR status = ''received'' OR status = ''refunded'')'),
        'status IN (''pending'', ''succeeded'', ''failed'')',
        '(status = ''pending'' OR status = ''succeeded'' OR status = ''failed'')'),
        'status IN (''requested'', ''processing'', ''refunded'', ''rejected'', ''failed'')',
        '(status = ''requested'' OR status = ''processing'' OR status = ''refunded'' OR status = ''rejected'' OR status = ''failed'')'),
        'kind IN (''order'', ''payment'', ''refund'')',
        '(kind = ''order'' OR kind = ''payment'' OR kind = ''refund'')'),
        'rule IN (''flat'', ''weight'', ''count'')',
        '(rule = ''flat'' OR rule = ''weight'' OR rule = ''count'')'),
        'kind IN (''threshold'', ''percent_off'', ''fixed_off'', ''free_shipping'', ''buy_n_get_m'')',
        '(kind = ''threshold'' OR kind = ''percent_off'' OR kind = ''fixed_off'' OR kind = ''free_shipping'' OR kind = ''buy_n_get_m'')'),
        'status IN (''pending'', ''sent'', ''failed'', ''held'', ''skipped'')',
        '(status = ''pending'' OR status = ''sent'' OR status = ''failed'' OR status = ''held'' OR status = ''skipped'')'),
        'status IN (''requested'', ''approved'', ''rejected'', ''received'')',
        '(status = ''requested'' OR status = ''approved'' OR status = ''rejected'' OR status = ''received'')')
WHERE type = 'table' AND sql LIKE '%CHECK%';
PRAGMA writable_schema = OFF;
CREATE TABLE schema_cookie_bump (x INTEGER);
DROP TABLE schema_cookie_bump;
