-- Staff roles and customers in the admin (issue 22, items 3 and 5).

-- A staff account's role (`domain::staff::StaffRole`): the set of back-office areas it
-- may work in. NULL for customers. Every staff account made before roles existed could
-- do everything, so it becomes an owner.
ALTER TABLE users ADD COLUMN staff_role TEXT
    CHECK (staff_role IS NULL OR staff_role IN ('owner', 'manager', 'fulfilment', 'support', 'catalogue', 'analyst'));
UPDATE users SET staff_role = 'owner' WHERE role = 'staff';

-- When the account was disabled (staff) or blocked (customers); NULL while it may log
-- in. Disabling ends the account's sessions in the same transaction.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;

-- A keyed blind index of the sealed phone number, so staff can find a customer by phone
-- without the number being stored in clear: `<data key id>:<hex of HMAC-SHA256>` of the
-- number's digits under a key derived from the data keyring (crates/store/src/sealed.rs).
-- SQL cannot compute it, so existing rows get theirs when the store next opens (and
-- again after a key rotation, whose re-seal rewrites them).
ALTER TABLE users ADD COLUMN phone_index TEXT;
CREATE INDEX users_by_phone_index ON users (phone_index);
CREATE INDEX users_by_role ON users (role, id);
