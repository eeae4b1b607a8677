package gitlab

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

func newClient(hc *http.Client, base, token string, now func() time.Time) *sinkhttp.Client {
	return &sinkhttp.Client{
		HTTP: hc, Base: base, Now: now,
		Auth:    func(h http.Header) { h.Set("PRIVATE-TOKEN", token) },
		Message: func(_ int, data []byte) string { return errorMessage(data) },
		Wait:    resetWait,
	}
}

// resetWait reads RateLimit-Reset (Unix seconds), which GitLab sends with
// its 429s beside Retry-After.
func resetWait(h http.Header, now time.Time) time.Duration {
	if reset, err := strconv.ParseInt(h.Get("RateLimit-Reset"), 10, 64); err == nil {
		if at := time.Unix(reset, 0); at.After(now) {
			return at.Sub(now)
		}
	}
	return 0
}

// errorMessage reads GitLab's {"message": …} (a string, a list, or an
// object of field → messages) or {"error": …}.
func errorMessage(data []byte) string {
	var e struct {
		Message any `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil {
		switch m := e.Message.(type) {
		case map[string]any:
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, 0, len(keys))
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s %v", k, m[k]))
			}
			return stdwebhook.ErrorMessage([]byte(strings.Join(parts, "; ")))
		case []any:
			return stdwebhook.ErrorMessage([]byte(fmt.Sprint(m...)))
		}
	}
	return stdwebhook.ErrorMessage(data)
}
