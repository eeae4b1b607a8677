// Package servicenow is the "servicenow" sink: incidents through the
// Table API (create, comment or work note, attach, resolve/close, read
// state), mapping validation against sys_dictionary, polling, and the
// webhooks of a business rule the admin pastes (docs/sinks/servicenow.md),
// signed X-TB-Signature: sha256=base64(HMAC-SHA256(webhook_secret,
// "<X-TB-Timestamp>.<body>")).
//
// A ticket's Key is the incident number; its URL is the incident form
// <url>/incident.do?sys_id=<sys_id>, which is where later calls read the
// sys_id from (a ref without it is looked up by number). The draft's
// ExternalID goes into correlation_id, which FindByExternalID searches.
package servicenow
