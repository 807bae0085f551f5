-- A store can close: it sells nothing more and its people cannot sign in; its orders stay.
ALTER TABLE stores ADD COLUMN closed_at TIMESTAMP;
