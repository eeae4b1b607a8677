-- Service quality (issue #14): one CSAT survey per ticket, and each
-- ticket's SLA clock with the timer stages that already acted.
CREATE TABLE tb_csat (
	link_id      TEXT    PRIMARY KEY,
	route        TEXT    NOT NULL,
	conv_key     TEXT    NOT NULL,
	conversation TEXT    NOT NULL,
	sink         TEXT    NOT NULL,
	ticket_key   TEXT    NOT NULL,
	-- customer is "source/sender id" of the person asked ('' unknown):
	-- the quiet period spares a person as well as a conversation.
	customer     TEXT    NOT NULL DEFAULT '',
	asked_at     INTEGER NOT NULL,
	score        INTEGER NOT NULL DEFAULT 0,
	comment      TEXT    NOT NULL DEFAULT '',
	answered_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tb_csat_conv ON tb_csat (conv_key, asked_at);
CREATE INDEX tb_csat_customer ON tb_csat (customer, asked_at);

CREATE TABLE tb_sla (
	link_id           TEXT    PRIMARY KEY,
	route             TEXT    NOT NULL,
	priority          TEXT    NOT NULL,
	started_at        INTEGER NOT NULL,
	first_response_at INTEGER NOT NULL DEFAULT 0,
	resolved_at       INTEGER NOT NULL DEFAULT 0,
	assignee          TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE tb_sla_fired (
	link_id  TEXT    NOT NULL,
	stage    TEXT    NOT NULL,
	fired_at INTEGER NOT NULL,
	PRIMARY KEY (link_id, stage)
);
