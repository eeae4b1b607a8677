-- Times are INTEGER unix nanoseconds, UTC; 0 means unset.
-- JSON values are TEXT.

CREATE TABLE tb_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	source      TEXT    NOT NULL,
	event_id    TEXT    NOT NULL,
	kind        TEXT    NOT NULL,
	conv_key    TEXT    NOT NULL,
	conv_source TEXT    NOT NULL,
	conv_id     TEXT    NOT NULL,
	conv_thread TEXT    NOT NULL DEFAULT '',
	sender      TEXT    NOT NULL,
	at          INTEGER NOT NULL,
	command     TEXT    NOT NULL DEFAULT '',
	action      TEXT    NOT NULL DEFAULT '',
	attachments TEXT,
	meta        TEXT,
	-- The body columns hold message content; they are kept apart so that
	-- encryption at rest and retention purges touch only them.
	body_text   TEXT,
	body_raw    BLOB,
	stored_at   INTEGER NOT NULL,
	UNIQUE (source, event_id)
);
CREATE INDEX tb_events_conv ON tb_events (conv_key, id);

CREATE TABLE tb_links (
	id           TEXT PRIMARY KEY,
	route        TEXT    NOT NULL,
	conv_key     TEXT    NOT NULL,
	conversation TEXT    NOT NULL,
	sink         TEXT    NOT NULL DEFAULT '',
	ticket_key   TEXT    NOT NULL DEFAULT '',
	ticket_url   TEXT    NOT NULL DEFAULT '',
	sink_status  TEXT    NOT NULL DEFAULT '',
	state        TEXT    NOT NULL,
	cursor       INTEGER NOT NULL DEFAULT 0,
	-- lease_until serialises appends to one ticket (0: free).
	lease_until  INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
-- At most one open link per route and conversation.
CREATE UNIQUE INDEX tb_links_open ON tb_links (route, conv_key)
	WHERE state NOT IN ('resolved', 'closed');
CREATE INDEX tb_links_conv ON tb_links (conv_key);
CREATE INDEX tb_links_ticket ON tb_links (sink, ticket_key);

CREATE TABLE tb_proposals (
	id           TEXT PRIMARY KEY,
	route        TEXT    NOT NULL,
	conv_key     TEXT    NOT NULL,
	conversation TEXT    NOT NULL,
	event_id     INTEGER NOT NULL,
	rule         TEXT    NOT NULL,
	category     TEXT    NOT NULL DEFAULT '',
	state        TEXT    NOT NULL,
	expires_at   INTEGER NOT NULL,
	created_at   INTEGER NOT NULL
);
-- At most one pending proposal per route and conversation.
CREATE UNIQUE INDEX tb_proposals_pending ON tb_proposals (route, conv_key)
	WHERE state = 'pending';

CREATE TABLE tb_dry_runs (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	route      TEXT    NOT NULL,
	conv_key   TEXT    NOT NULL,
	rule       TEXT    NOT NULL,
	draft      TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE tb_ticket_events (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	sink      TEXT    NOT NULL,
	event_id  TEXT    NOT NULL,
	kind      TEXT    NOT NULL,
	ticket    TEXT    NOT NULL,
	event     TEXT    NOT NULL,
	stored_at INTEGER NOT NULL,
	UNIQUE (sink, event_id)
);

CREATE TABLE tb_posted (
	source     TEXT    NOT NULL,
	message_id TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (source, message_id)
);

-- num is the desk's sequence: a ticket's key is 'LOCAL-' || num.
CREATE TABLE tb_desk_tickets (
	num         INTEGER PRIMARY KEY AUTOINCREMENT,
	external_id TEXT UNIQUE,
	title       TEXT    NOT NULL,
	description TEXT    NOT NULL,
	priority    TEXT    NOT NULL DEFAULT '',
	requester   TEXT    NOT NULL,
	labels      TEXT,
	custom      TEXT,
	status      TEXT    NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE INDEX tb_desk_tickets_status ON tb_desk_tickets (status, num);

CREATE TABLE tb_desk_comments (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	ticket_num INTEGER NOT NULL REFERENCES tb_desk_tickets (num) ON DELETE CASCADE,
	author     TEXT    NOT NULL,
	body       TEXT    NOT NULL,
	public     INTEGER NOT NULL,
	ours       INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX tb_desk_comments_ticket ON tb_desk_comments (ticket_num, id);
