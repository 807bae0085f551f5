-- Pull clients claim work orders with a lease; an expired lease makes them claimable again.
ALTER TABLE work_orders ADD COLUMN lease_token TEXT;
ALTER TABLE work_orders ADD COLUMN lease_until TIMESTAMP;
ALTER TABLE work_orders ADD COLUMN claim_count INTEGER NOT NULL DEFAULT 0;
