-- purged_at is when retention emptied the event's bodies (NULL: not
-- purged); the row stays for dedupe and order.
ALTER TABLE tb_events ADD COLUMN purged_at timestamptz;
CREATE INDEX tb_events_purge ON tb_events (source, at) WHERE purged_at IS NULL;
