package redmine

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// newClient authenticates with X-Redmine-API-Key. Redmine answers
// updates with 204 (5.0) or 200 and an empty body (later versions); the
// shared client takes both.
func newClient(hc *http.Client, base, key string, now func() time.Time) *sinkhttp.Client {
	return &sinkhttp.Client{
		HTTP: hc, Base: base, Now: now,
		Auth:    func(h http.Header) { h.Set("X-Redmine-API-Key", key) },
		Message: errorMessage,
	}
}

// errorMessage reads Redmine's {"errors": [...]} (422) into one line, and
// says what a bare 401/403/404 means since Redmine gives them no body.
func errorMessage(status int, data []byte) string {
	var e ErrorBody
	if json.Unmarshal(data, &e) == nil && len(e.Errors) > 0 {
		return stdwebhook.ErrorMessage([]byte(strings.Join(e.Errors, "; ")))
	}
	switch status {
	case http.StatusUnauthorized:
		return "the API key is wrong, or the REST API is off (Administration → Settings → API)"
	case http.StatusForbidden:
		return "the API key's user may not do this in the project"
	case http.StatusNotFound:
		return "not found, or not visible to the API key's user"
	}
	return stdwebhook.ErrorMessage(data)
}
