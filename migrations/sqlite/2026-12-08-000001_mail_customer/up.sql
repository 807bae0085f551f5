-- Mail to a customer goes with them at erasure, whichever address it went to (an email
-- change leaves mail to the previous address).
ALTER TABLE mail_outbox ADD COLUMN customer_id BIGINT;
CREATE INDEX mail_outbox_customer ON mail_outbox (customer_id);
