-- Secret rotation: during the overlap, events are signed with the new and the previous secret.
ALTER TABLE factories ADD COLUMN previous_signing_secret TEXT;
ALTER TABLE factories ADD COLUMN previous_secret_until TIMESTAMP;
-- When deliveries to the endpoint began failing without a success since (cleared on success).
ALTER TABLE factories ADD COLUMN failing_since TIMESTAMP;
-- Weekly capacity in work orders (0 = no limit) and options it cannot build ("option" or "option=value", comma-separated).
ALTER TABLE factories ADD COLUMN weekly_capacity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE factories ADD COLUMN cannot_build TEXT NOT NULL DEFAULT '';

-- The order in which work orders become visible to a paging client. SQLite has one writer, so
-- ids already commit in order; PostgreSQL fills it with the writing transaction's id.
ALTER TABLE work_orders ADD COLUMN commit_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX work_orders_factory_seq ON work_orders (factory_id, commit_seq, id);

-- Things administrators must be told about (an endpoint disabled after days of failures).
CREATE TABLE staff_notices (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    dismissed_at TIMESTAMP
);

-- Other sales channels (a partner web shop, a point of sale, a kiosk) order through the API
-- with per-channel keys, shown once and stored as SHA-256.
CREATE TABLE sales_channels (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- The store whose tax rate applies and where orders are recorded, if any.
    store_id BIGINT REFERENCES stores (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE channel_keys (
    id INTEGER PRIMARY KEY,
    channel_id BIGINT NOT NULL REFERENCES sales_channels (id),
    key_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

ALTER TABLE orders ADD COLUMN channel_id BIGINT REFERENCES sales_channels (id);
