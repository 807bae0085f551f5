ALTER TABLE sessions DROP COLUMN customer_account_id;
DROP TABLE drafts;
DROP TABLE mail_outbox;
DROP TABLE password_resets;
DROP TABLE claim_codes;
DROP TABLE customer_accounts;
