package ingress

import "strings"

// The API trigger stores its events under "api:" + Idempotency-Key. A chat
// platform's event id is free text, so ids a platform sends that start with
// a reserved prefix are moved under "chat:"; the mapping is one-to-one and
// no chat event can take an id the API may use.
const (
	apiPrefix  = "api:"
	chatPrefix = "chat:"
)

func chatEventID(id string) string {
	if strings.HasPrefix(id, apiPrefix) || strings.HasPrefix(id, chatPrefix) {
		return chatPrefix + id
	}
	return id
}
