DROP INDEX outbox_work_order;
DROP INDEX work_orders_changes;
