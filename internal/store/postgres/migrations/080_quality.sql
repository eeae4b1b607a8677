-- Service quality (issue #14): one CSAT survey per ticket, and each
-- ticket's SLA clock with the timer stages that already acted.
CREATE TABLE tb_csat (
	link_id      text        PRIMARY KEY,
	route        text        NOT NULL,
	conv_key     text        NOT NULL,
	conversation jsonb       NOT NULL,
	sink         text        NOT NULL,
	ticket_key   text        NOT NULL,
	-- customer is "source/sender id" of the person asked ('' unknown):
	-- the quiet period spares a person as well as a conversation.
	customer     text        NOT NULL DEFAULT '',
	asked_at     timestamptz NOT NULL,
	score        integer     NOT NULL DEFAULT 0,
	comment      text        NOT NULL DEFAULT '',
	answered_at  timestamptz
);
CREATE INDEX tb_csat_conv ON tb_csat (conv_key, asked_at);
CREATE INDEX tb_csat_customer ON tb_csat (customer, asked_at);

CREATE TABLE tb_sla (
	link_id           text        PRIMARY KEY,
	route             text        NOT NULL,
	priority          text        NOT NULL,
	started_at        timestamptz NOT NULL,
	first_response_at timestamptz,
	resolved_at       timestamptz,
	assignee          text        NOT NULL DEFAULT ''
);

CREATE TABLE tb_sla_fired (
	link_id  text        NOT NULL,
	stage    text        NOT NULL,
	fired_at timestamptz NOT NULL,
	PRIMARY KEY (link_id, stage)
);
