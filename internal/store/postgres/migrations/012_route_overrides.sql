-- Routes' rollout and mode changed at runtime from the console; a row wins
-- over the config file until it is deleted.
CREATE TABLE tb_route_overrides (
	route      text PRIMARY KEY,
	rollout    integer     NOT NULL,
	mode       text        NOT NULL,
	updated_by text        NOT NULL,
	updated_at timestamptz NOT NULL
);
