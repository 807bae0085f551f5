ALTER TABLE work_orders DROP COLUMN claim_count;
ALTER TABLE work_orders DROP COLUMN lease_until;
ALTER TABLE work_orders DROP COLUMN lease_token;
