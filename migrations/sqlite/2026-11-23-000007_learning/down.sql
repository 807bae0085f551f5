DROP TABLE item_neighbours;
DROP TABLE learned_preferences;
DROP TABLE classification_runs;
DROP TABLE customer_classes;
DROP TABLE customer_activity;
ALTER TABLE customer_contacts DROP COLUMN remedy;
ALTER TABLE customer_contacts DROP COLUMN order_id;
