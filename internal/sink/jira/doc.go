// Package jira is the "jira" sink: Jira Cloud issues through REST v3, or
// Jira Service Management requests when service_desk_id and
// request_type_id are set.
//
// Creation labels each issue "tb-ext-<external id>" (Jira has no
// idempotency key) and FindByExternalID searches for that label with
// POST /rest/api/3/search/jql, which is eventually consistent. Comments
// and descriptions are ADF; internal comments are JSM internal notes (the
// sd.public.comment property) or, in plain Jira, restricted to
// internal_visibility_role. Webhooks are admin webhooks signed with
// X-Hub-Signature (sha256 HMAC of the raw body) and deduplicated on a hash
// of that signed body (the identifier header is unsigned). See
// docs/sinks/jira.md for set-up and
// jirafake for a test site speaking the same wire format.
package jira
