// Package generic is the "generic" sink: a ticket service the customer
// writes (or fronts) themselves. Both directions are JSON signed the
// Standard Webhooks way (package stdwebhook): our requests with secret,
// their webhooks with webhook_secret (default: secret).
//
// # The API the ticket service implements
//
// Every request carries webhook-id, webhook-timestamp and
// webhook-signature; a GET signs the empty body. Refuse bad signatures
// with 401.
//
//	POST {url}/tickets            body: a TicketDraft
//	  {"external_id": "…", "title": "…", "description": "…", "priority": "high",
//	   "requester": {"id", "name", "email"}, "labels": […], "custom": {…}}
//	  → 201 or 200 {"key": "EXT-1", "url": "https://…", "status": "open"}
//
//	GET {url}/tickets?external_id=…
//	  → 200 {"tickets": [{"key", "url", "status", "external_id"}]}   (empty list: none)
//
//	POST {url}/tickets/{key}/comments   body: {"body": "…", "public": true, "author": "…"}
//	  → 201 (or any 2xx)
//
// external_id is ours: a retried creation looks it up first, so the
// service must be able to search by it. Errors: 400 with
// {"error": "…", "fields": {"title": "required"}} is permanent (the job is
// dead-lettered with that message); 429 and 503 may carry Retry-After
// (seconds or an HTTP date), which we obey; other 5xx are retried; other
// 4xx are permanent.
//
// # Webhooks the ticket service sends: POST /hooks/tickets/{sink}
//
//	{"type": "ticket.status_changed" | "ticket.comment_added" | "ticket.assigned",
//	 "ticket": {"key": "EXT-1", "url": "…", "status": "pending", "external_id": "…"},
//	 "from": "open", "to": "pending",                      (status_changed; to required)
//	 "comment": {"body": "…", "public": true, "author": "…"},  (comment_added; body required)
//	 "assignee": "agent-7",                                (assigned)
//	 "time": "2026-11-28T10:00:00Z",                       (optional; default webhook-timestamp)
//	 "origin": "ticketbridge"}                             (set when we caused it)
//
// The webhook-id is the event id (resend with the same id). Set origin to
// "ticketbridge" on changes our own requests made (a comment we posted),
// so they are not echoed back to the chat.
package generic
