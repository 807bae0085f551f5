-- The audit log page and a customer's export ask for one record's events.
CREATE INDEX audit_events_subject ON audit_events (subject, id);
