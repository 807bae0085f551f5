DROP INDEX mail_outbox_customer;
ALTER TABLE mail_outbox DROP COLUMN customer_id;
