-- The last event an append under way is sending (0: none). Recorded
-- before the comment goes out, so a retry after an unknown outcome sends
-- exactly the same range with the same key, or finds it sent.
ALTER TABLE tb_links ADD COLUMN append_through INTEGER NOT NULL DEFAULT 0;
