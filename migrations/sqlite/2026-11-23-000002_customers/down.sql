DROP TABLE measurement_values;
DROP TABLE measurement_sets;
DROP TABLE customer_contacts;
DROP TABLE customer_preferences;
DROP TABLE customers;
