-- Runs with search_path set to the store's schema.

CREATE TABLE tb_events (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	source      text        NOT NULL,
	event_id    text        NOT NULL,
	kind        text        NOT NULL,
	conv_key    text        NOT NULL,
	conv_source text        NOT NULL,
	conv_id     text        NOT NULL,
	conv_thread text        NOT NULL DEFAULT '',
	sender      jsonb       NOT NULL,
	at          timestamptz,
	command     text        NOT NULL DEFAULT '',
	action      text        NOT NULL DEFAULT '',
	attachments jsonb,
	meta        jsonb,
	-- The body columns hold message content; they are kept apart so that
	-- encryption at rest and retention purges touch only them.
	body_text   text,
	body_raw    bytea,
	stored_at   timestamptz NOT NULL,
	UNIQUE (source, event_id)
);
CREATE INDEX tb_events_conv ON tb_events (conv_key, id);

CREATE TABLE tb_links (
	id           text PRIMARY KEY,
	route        text        NOT NULL,
	conv_key     text        NOT NULL,
	conversation jsonb       NOT NULL,
	sink         text        NOT NULL DEFAULT '',
	ticket_key   text        NOT NULL DEFAULT '',
	ticket_url   text        NOT NULL DEFAULT '',
	sink_status  text        NOT NULL DEFAULT '',
	state        text        NOT NULL,
	cursor       bigint      NOT NULL DEFAULT 0,
	-- lease_until serialises appends to one ticket.
	lease_until  timestamptz NOT NULL DEFAULT '-infinity',
	created_at   timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL
);
-- At most one open link per route and conversation.
CREATE UNIQUE INDEX tb_links_open ON tb_links (route, conv_key)
	WHERE state NOT IN ('resolved', 'closed');
CREATE INDEX tb_links_conv ON tb_links (conv_key);
CREATE INDEX tb_links_ticket ON tb_links (sink, ticket_key);

CREATE TABLE tb_proposals (
	id           text PRIMARY KEY,
	route        text        NOT NULL,
	conv_key     text        NOT NULL,
	conversation jsonb       NOT NULL,
	event_id     bigint      NOT NULL,
	rule         text        NOT NULL,
	category     text        NOT NULL DEFAULT '',
	state        text        NOT NULL,
	expires_at   timestamptz,
	created_at   timestamptz NOT NULL
);
-- At most one pending proposal per route and conversation.
CREATE UNIQUE INDEX tb_proposals_pending ON tb_proposals (route, conv_key)
	WHERE state = 'pending';

CREATE TABLE tb_dry_runs (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	route      text        NOT NULL,
	conv_key   text        NOT NULL,
	rule       text        NOT NULL,
	draft      jsonb       NOT NULL,
	created_at timestamptz NOT NULL
);

CREATE TABLE tb_ticket_events (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sink      text        NOT NULL,
	event_id  text        NOT NULL,
	kind      text        NOT NULL,
	ticket    jsonb       NOT NULL,
	event     jsonb       NOT NULL,
	stored_at timestamptz NOT NULL,
	UNIQUE (sink, event_id)
);

CREATE TABLE tb_posted (
	source     text        NOT NULL,
	message_id text        NOT NULL,
	created_at timestamptz NOT NULL,
	PRIMARY KEY (source, message_id)
);

-- num is the desk's sequence: a ticket's key is 'LOCAL-' || num.
CREATE TABLE tb_desk_tickets (
	num         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	external_id text UNIQUE,
	title       text        NOT NULL,
	description text        NOT NULL,
	priority    text        NOT NULL DEFAULT '',
	requester   jsonb       NOT NULL,
	labels      jsonb,
	custom      jsonb,
	status      text        NOT NULL,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL
);
CREATE INDEX tb_desk_tickets_status ON tb_desk_tickets (status, num);

CREATE TABLE tb_desk_comments (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	ticket_num bigint      NOT NULL REFERENCES tb_desk_tickets (num) ON DELETE CASCADE,
	author     text        NOT NULL,
	body       text        NOT NULL,
	public     boolean     NOT NULL,
	ours       boolean     NOT NULL,
	created_at timestamptz NOT NULL
);
CREATE INDEX tb_desk_comments_ticket ON tb_desk_comments (ticket_num, id);
