// Package redmine is the Redmine sink: issues over the REST API with an
// X-Redmine-API-Key. Redmine core sends no webhooks, so ticket changes come
// back by polling issues by updated_on (all statuses) and reading their
// journals. The draft's external id is written into the description as a
// marker line, which FindByExternalID searches for after an unknown
// outcome. Comments are journal notes (internal ones private notes);
// attachments go through the uploads-token flow. Redmine answers a status
// change its workflow does not allow with success and leaves the status
// alone, so Transition re-reads the issue to tell.
package redmine
