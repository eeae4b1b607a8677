-- Routes' rollout and mode changed at runtime from the console; a row wins
-- over the config file until it is deleted.
CREATE TABLE tb_route_overrides (
	route      TEXT PRIMARY KEY,
	rollout    INTEGER NOT NULL,
	mode       TEXT    NOT NULL,
	updated_by TEXT    NOT NULL,
	updated_at INTEGER NOT NULL
);
