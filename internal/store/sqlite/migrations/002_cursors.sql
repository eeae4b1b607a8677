-- Named cursors: where each sink's poller left off.
CREATE TABLE tb_cursors (
	name       TEXT PRIMARY KEY,
	value      TEXT    NOT NULL,
	updated_at INTEGER NOT NULL
);
