-- Named cursors: where each sink's poller left off.
CREATE TABLE tb_cursors (
	name       text PRIMARY KEY,
	value      text        NOT NULL,
	updated_at timestamptz NOT NULL
);
