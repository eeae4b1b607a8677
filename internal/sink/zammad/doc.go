// Package zammad is the Zammad sink: tickets and articles over the REST
// API with an access token. The first article carries the description;
// comments are note articles, internal or not; attachments ride on an
// article as base64, encoded while streaming. States are set by name and
// read back. The draft's external id is a ticket tag, searched for after
// an unknown outcome. Zammad's webhooks (sent by a trigger) are signed
// with X-Hub-Signature, an HMAC-SHA1 of the body.
package zammad
