// Package generic is the "generic" source: a customer's own chat system
// posts its conversations to ticketbridge, and ticketbridge posts replies
// back, both as JSON signed the Standard Webhooks way (package stdwebhook).
//
// # Inbound: POST /hooks/im/{source}
//
// Headers webhook-id, webhook-timestamp and webhook-signature, signed with
// the source's secret (or one of its extra secrets, during a rotation).
// The body is one event:
//
//	{"type": "message",
//	 "conversation": {"id": "c-42", "thread": ""},
//	 "sender": {"id": "u1", "name": "Ann Lee", "email": "ann@example.com", "role": "customer"},
//	 "text": "I was charged twice",
//	 "time": "2026-11-28T10:00:00Z",
//	 "command": "", "action": "",
//	 "attachments": [{"id": "a1", "name": "x.png", "content_type": "image/png", "size": 123, "url": "https://…"}],
//	 "meta": {}}
//
// or a batch, {"events": [event, …]} (at most MaxBatch events).
//
//   - type is one of message, command, reaction, call_ended,
//     live_feedback, conversation_ended, handover (required). handover
//     is the chat system's own "a person should take over" signal.
//   - conversation.id and sender.id are required.
//   - sender.role is customer (the default), agent or bot.
//   - a message needs text or at least one attachment; each attachment
//     needs an id.
//   - a command needs command (the name, a leading "/" is dropped) or
//     action (a button's action: "confirm" or "reject" answering a
//     prompt, "rate" answering a survey with the score as text and
//     {"token": …} in meta, "handover" asking for a person).
//   - time is RFC 3339; it defaults to webhook-timestamp.
//
// The event id, the dedupe key, is the webhook-id; in a batch the i-th
// event (from 0) gets "<webhook-id>#<i>". A sender resending a delivery
// must therefore reuse its webhook-id, as Standard Webhooks asks anyway.
//
// # Outbound: replies
//
// Post sends POST {reply_url}, signed with reply_secret (default: secret),
// thread omitted when the conversation has none,
// webhook-id = the message's idempotency key when it has one:
//
//	{"type": "reply", "conversation": {"id": "c-42", "thread": "t-1"},
//	 "text": "Ticket EXT-1 opened",
//	 "prompt": {"token": "p1", "confirm": "Yes", "reject": "No"}}
//
// Without reply_url, a source built by InboxFactory (as the server does)
// keeps each reply in the chat inbox of its store instead, once per
// idempotency key; `ticketbridge chat tail` and GET /api/v1/chat/messages
// read it. That is how the embedded default shows the bot's answers.
//
// A satisfaction survey carries "rating": {"token": "…", "scale": 5}
// (its text also says how to answer in words); the chat system may show
// buttons and send a press back as a "rate" command.
//
// prompt appears only when we ask a yes/no question; the chat system
// answers it with a command event whose action is "confirm" or "reject"
// and whose meta carries {"token": …}. A 2xx answer may be
// {"id": "…"}, the chat system's id for the posted message; anything else
// is an error, with the answer's "message" (or "error") and Retry-After.
package generic
