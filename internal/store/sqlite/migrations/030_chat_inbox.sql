-- The chat inbox: the bot's messages to sources that have no reply
-- address, kept for `ticketbridge chat tail` and the admin API.
CREATE TABLE tb_chat_inbox (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	source       TEXT    NOT NULL,
	conversation TEXT    NOT NULL,
	thread       TEXT    NOT NULL DEFAULT '',
	msg_key      TEXT    NOT NULL,
	text         TEXT    NOT NULL,
	prompt       TEXT,
	created_at   INTEGER NOT NULL,
	-- A message is kept once per conversation: a retried post finds it.
	UNIQUE (source, conversation, thread, msg_key)
);
CREATE INDEX tb_chat_inbox_conv ON tb_chat_inbox (source, conversation, id);
