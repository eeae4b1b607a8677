// Package zendesk is the "zendesk" sink: tickets in Zendesk Support,
// created and commented on through the REST API (Basic auth as
// {email}/token:{api_token}), and status changes, agent comments and
// assignments back through webhooks that Zendesk triggers send.
//
// # Requests
//
//	POST /api/v2/tickets.json        create; the description is the first
//	                                 public comment; external_id and
//	                                 Idempotency-Key carry our external id
//	GET  /api/v2/tickets.json?external_id=…   FindByExternalID (oldest match)
//	PUT  /api/v2/tickets/{id}.json   comments ({"comment":{"body","public"}})
//	                                 and status changes
//	POST /api/v2/uploads.json?filename=…      attachments, raw bytes streamed,
//	                                 then a comment with the upload token
//	GET  /api/v2/ticket_fields.json  ValidateMapping
//	GET  /api/v2/users/me.json, /groups/{id}.json, /brands/{id}.json   Check
//	GET  /api/v2/incremental/tickets/cursor.json   Poll
//
// Errors carry Zendesk's own words: {"error","description","details"}
// (RecordInvalid field errors, permanent), {"error": "…"} and
// {"error": {"title","message"}}. 409 is retried; 429 and 503 obey
// Retry-After.
//
// # Webhooks: POST /hooks/tickets/{sink}
//
// A Zendesk webhook (request format JSON, method POST) connected to
// triggers whose body is ours, one trigger per kind:
//
//	{"kind": "status_changed" | "comment_added" | "assigned" | "priority_changed",
//	 "ticket": {"id": "{{ticket.id}}", "external_id": "{{ticket.external_id}}",
//	            "status": "{{ticket.status}}", "url": "{{ticket.link}}",
//	            "priority": "{{ticket.priority}}"},             (priority_changed)
//	 "comment": {"id": "{{ticket.latest_comment.id}}",
//	             "body": "{{ticket.latest_comment.value}}",
//	             "public": "{{ticket.latest_comment.is_public}}",
//	             "author_id": "{{ticket.latest_comment.author.id}}",
//	             "author_name": "{{ticket.latest_comment.author.name}}"},   (comment_added)
//	 "assignee": {"id": "{{ticket.assignee.id}}", "name": "{{ticket.assignee.name}}"},  (assigned)
//	 "updater_id": "{{current_user.id}}",
//	 "time": "{{ticket.updated_at_with_timestamp}}"}                  (optional)
//
// A priority_changed trigger ("Priority changed", condition on the
// priority) moves the SLA deadlines: the priority is read back through
// priority_map (Zendesk's "urgent" becomes the route's name for it).
//
// Ids and booleans may be strings or JSON values. A comment is public only
// when "public" reads true; anything else is an internal note. A change is
// ours (not echoed to the chat) when updater_id or the comment's author_id
// is integration_user_id.
//
// The request is verified with X-Zendesk-Webhook-Signature =
// base64(HMAC-SHA256(secret, timestamp + body)) and
// X-Zendesk-Webhook-Signature-Timestamp within ±tolerance (5m). The event
// id is X-Zendesk-Webhook-Invocation-Id, which Zendesk keeps across its
// retries of one invocation; without it, a hash of the body (so two
// identical bodies are one event).
package zendesk
