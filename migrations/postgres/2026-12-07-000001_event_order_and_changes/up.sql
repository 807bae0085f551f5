-- Events of one work order are sent in order: the dispatcher looks for an earlier one still
-- waiting before it sends a later one.
CREATE INDEX outbox_work_order ON outbox (work_order_id, id);
-- A factory follows its work orders' changes in (updated_at, id) order.
CREATE INDEX work_orders_changes ON work_orders (factory_id, updated_at, id);
