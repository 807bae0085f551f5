-- A new sign-in email waits here until a link mailed to it is opened: a mistyped address
-- would otherwise lock the customer out of password resets.
CREATE TABLE email_changes (
    id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES customer_accounts (id),
    new_email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX email_changes_account ON email_changes (account_id);
