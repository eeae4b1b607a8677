// Package github is the sink for issues in a GitHub repository ("github")
// or a Gitea repository ("gitea"): one package, two dialects of the same
// REST shape. The dialects differ in the base path (/api/v1 for Gitea),
// the Authorization scheme, labels (names on GitHub, ids on Gitea),
// attachments (Gitea has issue assets; GitHub's API has none, so files
// are linked), the webhook signature header (X-Hub-Signature-256 with a
// sha256= prefix, X-Gitea-Signature bare hex) and rate limiting (GitHub's
// primary limit answers 403 with x-ratelimit-remaining: 0, its secondary
// limits 403 or 429 with Retry-After).
//
// The draft's external id is written into the issue body as an HTML
// comment, invisible when rendered; FindByExternalID looks for it among
// the newest issues the token's user opened. Comments we post carry a
// similar mark, so their webhooks are known as ours.
package github
