CREATE TABLE factories (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- Product families it builds, comma-separated (apparel, bicycle).
    families TEXT NOT NULL,
    push_url TEXT,
    signing_secret TEXT,
    lead_time_days INTEGER NOT NULL DEFAULT 14,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    push_disabled_reason TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE factory_tokens (
    id INTEGER PRIMARY KEY,
    factory_id BIGINT NOT NULL REFERENCES factories (id),
    -- SHA-256 of the bearer token; the token itself is shown once.
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    store_id BIGINT REFERENCES stores (id),
    catalog_version_id BIGINT NOT NULL REFERENCES catalog_versions (id),
    product_code TEXT NOT NULL,
    -- The configuration (choices and the measurements used), as JSON.
    configuration TEXT NOT NULL,
    measurement_set_id BIGINT REFERENCES measurement_sets (id),
    currency TEXT NOT NULL,
    -- Money in minor units (cents): exact on both backends.
    subtotal_minor BIGINT NOT NULL,
    tax_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    price_breakdown TEXT NOT NULL,
    spec_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    ship_to TEXT NOT NULL,
    -- Placing is idempotent: the same key never makes a second order.
    idempotency_key TEXT NOT NULL UNIQUE,
    placed_by_staff_id BIGINT REFERENCES staff (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX orders_customer ON orders (customer_id, created_at);

CREATE TABLE work_orders (
    id INTEGER PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    factory_id BIGINT NOT NULL REFERENCES factories (id),
    revision INTEGER NOT NULL,
    status TEXT NOT NULL,
    document TEXT NOT NULL,
    due_date TEXT NOT NULL,
    -- Why staff should look at it (delivery exhausted, rejected), if they should.
    attention TEXT,
    tracking_number TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX work_orders_factory ON work_orders (factory_id, status, id);
CREATE INDEX work_orders_order ON work_orders (order_id);

CREATE TABLE work_order_events (
    id INTEGER PRIMARY KEY,
    work_order_id BIGINT NOT NULL REFERENCES work_orders (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL
);
CREATE INDEX work_order_events_wo ON work_order_events (work_order_id, id);

-- Events to push to factories: written in the transaction that causes them.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    factory_id BIGINT NOT NULL REFERENCES factories (id),
    work_order_id BIGINT REFERENCES work_orders (id),
    event_type TEXT NOT NULL,
    webhook_id TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    delivered_at TIMESTAMP,
    gave_up_at TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due ON outbox (delivered_at, gave_up_at, next_attempt_at);

CREATE TABLE delivery_attempts (
    id INTEGER PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    at TIMESTAMP NOT NULL,
    status_code INTEGER,
    latency_ms INTEGER NOT NULL,
    error TEXT
);
CREATE INDEX delivery_attempts_outbox ON delivery_attempts (outbox_id);

CREATE TABLE api_idempotency (
    id INTEGER PRIMARY KEY,
    factory_id BIGINT NOT NULL REFERENCES factories (id),
    key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (factory_id, key)
);
