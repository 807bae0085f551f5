DROP TABLE staff_notices;
DROP INDEX work_orders_factory_seq;
ALTER TABLE work_orders DROP COLUMN commit_seq;
ALTER TABLE factories DROP COLUMN cannot_build;
ALTER TABLE factories DROP COLUMN weekly_capacity;
ALTER TABLE factories DROP COLUMN failing_since;
ALTER TABLE factories DROP COLUMN previous_secret_until;
ALTER TABLE factories DROP COLUMN previous_signing_secret;
