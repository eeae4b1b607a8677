// Package freshdesk is the Freshdesk sink: tickets over API v2 with an
// API key (Basic auth, the key as user name). Statuses are Freshdesk's
// numbers 2 open, 3 pending, 4 resolved, 5 closed; priorities 1 low to 4
// urgent. Comments are notes (private when internal) or, if configured,
// replies that e-mail the requester; files are multipart attachments of a
// private note. The external id is a ticket tag, looked up among the
// requester's recent tickets after an unknown outcome. Freshdesk's
// automation webhooks carry no signature, so they are authenticated by a
// secret header the rule sends.
package freshdesk
