-- The web console: who a desk ticket is assigned to, and signed-in sessions.
ALTER TABLE tb_desk_tickets ADD COLUMN assignee text NOT NULL DEFAULT '';
CREATE INDEX tb_desk_tickets_assignee ON tb_desk_tickets (assignee, num);
-- The desk list's chat-source filter finds a ticket's links by key.
CREATE INDEX tb_links_ticket_key ON tb_links (ticket_key);

CREATE TABLE tb_console_sessions (
	id_hash    text PRIMARY KEY,
	actor      text NOT NULL,
	csrf       text NOT NULL,
	expires_at timestamptz NOT NULL,
	created_at timestamptz NOT NULL
);
CREATE INDEX tb_console_sessions_expires ON tb_console_sessions (expires_at);
