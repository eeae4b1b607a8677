-- purged_at is when retention emptied the event's bodies (0: not purged);
-- the row stays for dedupe and order.
ALTER TABLE tb_events ADD COLUMN purged_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tb_events_purge ON tb_events (purged_at, source, at);
