ALTER TABLE stores DROP COLUMN closed_at;
