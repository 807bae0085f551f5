-- Customers' own accounts for the online shop, one per customer record.
CREATE TABLE customer_accounts (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL UNIQUE REFERENCES customers (id),
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- One-time codes a fitter hands over so a customer can claim the profile the store made.
CREATE TABLE claim_codes (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    -- SHA-256 of the code; the code itself is shown once.
    code_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_by_staff_id BIGINT REFERENCES staff (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX claim_codes_customer ON claim_codes (customer_id);

CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES customer_accounts (id),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

-- Mail waits here; a sender (or a developer reading it) takes it from here.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);

-- Saved configurations, shared between the customer online and the fitters in store.
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    catalog_version_id BIGINT NOT NULL REFERENCES catalog_versions (id),
    product_code TEXT NOT NULL,
    -- The form fields as typed (JSON list of pairs), so a resumed draft shows what was typed.
    choices TEXT NOT NULL,
    measurement_set_id BIGINT REFERENCES measurement_sets (id),
    saved_by_staff_id BIGINT REFERENCES staff (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX drafts_customer ON drafts (customer_id, updated_at);

-- So that a password reset or an erased account ends every session of that customer.
ALTER TABLE sessions ADD COLUMN customer_account_id BIGINT;
