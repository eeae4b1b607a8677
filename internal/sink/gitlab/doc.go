// Package gitlab is the GitLab sink: issues in one project over REST v4
// with a PRIVATE-TOKEN. Comments are notes, internal ones with
// internal: true; files are uploaded to the project and linked from a
// note; closing and reopening go through state_event. Webhooks are
// authenticated by the X-Gitlab-Token header, which GitLab sends as the
// secret itself, and deduplicated on X-Gitlab-Event-UUID. The draft's
// external id is a hidden HTML comment in the description, looked for
// among the newest issues the token's user opened.
package gitlab
