DROP TABLE audit_events;
DROP TABLE app_secrets;
DROP TABLE sign_in_failures;
DROP TABLE sessions;
DROP TABLE staff;
DROP TABLE stores;
