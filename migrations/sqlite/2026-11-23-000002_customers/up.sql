-- Customers belong to the chain, not to a store; home_store_id is where they were enrolled.
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    phone_digits TEXT,
    home_store_id BIGINT REFERENCES stores (id),
    marketing_consent BOOLEAN NOT NULL DEFAULT 0,
    consent_changed_at TIMESTAMP,
    preferred_channel TEXT NOT NULL DEFAULT 'email',
    merged_into_id BIGINT REFERENCES customers (id),
    erased_at TIMESTAMP,
    created_by_staff_id BIGINT REFERENCES staff (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX customers_email ON customers (email);
CREATE INDEX customers_phone_digits ON customers (phone_digits);
CREATE INDEX customers_updated_at ON customers (updated_at);

CREATE TABLE customer_preferences (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    text TEXT NOT NULL,
    -- 'standing' applies to future orders; 'one_off' to the next order only.
    kind TEXT NOT NULL CHECK (kind IN ('standing', 'one_off')),
    pinned BOOLEAN NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'staff',
    dropped_at TIMESTAMP,
    staff_id BIGINT REFERENCES staff (id),
    store_id BIGINT REFERENCES stores (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX customer_preferences_customer ON customer_preferences (customer_id);

-- Visits, calls, messages, complaints and feedback: one table, one timeline.
CREATE TABLE customer_contacts (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    kind TEXT NOT NULL CHECK (kind IN ('visit', 'call', 'message', 'complaint', 'feedback')),
    summary TEXT NOT NULL,
    rating INTEGER CHECK (rating IS NULL OR (rating BETWEEN 1 AND 5)),
    status TEXT CHECK (status IS NULL OR status IN ('open', 'resolved')),
    resolution TEXT,
    resolved_at TIMESTAMP,
    staff_id BIGINT REFERENCES staff (id),
    store_id BIGINT REFERENCES stores (id),
    at TIMESTAMP NOT NULL
);
CREATE INDEX customer_contacts_customer ON customer_contacts (customer_id, at);

-- A set is never edited: a new visit makes a new dated set.
CREATE TABLE measurement_sets (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    taken_at TIMESTAMP NOT NULL,
    staff_id BIGINT REFERENCES staff (id),
    store_id BIGINT REFERENCES stores (id),
    unit_system TEXT NOT NULL CHECK (unit_system IN ('metric', 'imperial')),
    self_measured BOOLEAN NOT NULL DEFAULT 0,
    -- Plausibility warnings the fitter confirmed, as a JSON array of codes.
    confirmed_warnings TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX measurement_sets_customer ON measurement_sets (customer_id, taken_at);

CREATE TABLE measurement_values (
    set_id BIGINT NOT NULL REFERENCES measurement_sets (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    -- Canonical units: millimetres for lengths, grams for mass.
    value BIGINT NOT NULL,
    PRIMARY KEY (set_id, code)
);
