-- SLA pauses and ticket-side priority changes (issue #14): the status
-- changes a clock was told (the resolution clock stands still while the
-- ticket waits on the customer), the time of the change that set the
-- priority (an older change arriving late does not apply), and a
-- revision that guards a clock against two changes computed from the
-- same state.
ALTER TABLE tb_sla ADD COLUMN priority_at timestamptz;
ALTER TABLE tb_sla ADD COLUMN revision bigint NOT NULL DEFAULT 0;

CREATE TABLE tb_sla_status (
	link_id   text        NOT NULL,
	event_key text        NOT NULL,
	at        timestamptz NOT NULL,
	paused    boolean     NOT NULL,
	PRIMARY KEY (link_id, event_key)
);
