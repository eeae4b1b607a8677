// Package linear is the Linear sink: issues in one team over Linear's
// GraphQL API. issueCreate takes an id we choose, a UUID derived from the
// draft's external id, so a retried creation cannot make a second issue
// and FindByExternalID is a plain issue(id:) query. Comments are
// commentCreate, files are uploaded through fileUpload's signed URL and
// attached with attachmentCreate, states are the team's workflow states.
// Webhooks carry Linear-Signature (HMAC-SHA256 of the body) and a
// webhookTimestamp that must be within a minute.
package linear
