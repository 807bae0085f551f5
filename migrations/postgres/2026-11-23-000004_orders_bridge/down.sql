DROP TABLE api_idempotency;
DROP TABLE delivery_attempts;
DROP TABLE outbox;
DROP TABLE work_order_events;
DROP TABLE work_orders;
DROP TABLE orders;
DROP TABLE factory_tokens;
DROP TABLE factories;
