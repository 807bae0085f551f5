DROP INDEX outbox_work_order;
