-- The chat inbox: the bot's messages to sources that have no reply
-- address, kept for `ticketbridge chat tail` and the admin API.
CREATE TABLE tb_chat_inbox (
	id           bigserial PRIMARY KEY,
	source       text        NOT NULL,
	conversation text        NOT NULL,
	thread       text        NOT NULL DEFAULT '',
	msg_key      text        NOT NULL,
	text         text        NOT NULL,
	prompt       text,
	created_at   timestamptz NOT NULL,
	-- A message is kept once per conversation: a retried post finds it.
	UNIQUE (source, conversation, thread, msg_key)
);
CREATE INDEX tb_chat_inbox_conv ON tb_chat_inbox (source, conversation, id);
