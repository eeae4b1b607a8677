package zammad

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

func newClient(hc *http.Client, base, token string, now func() time.Time) *sinkhttp.Client {
	return &sinkhttp.Client{
		HTTP: hc, Base: base, Now: now,
		Auth: func(h http.Header) { h.Set("Authorization", "Token token="+token) },
		// Zammad's errors: {"error": "…", "error_human": "…"}.
		Message: func(_ int, data []byte) string {
			var e struct {
				Human string `json:"error_human"`
			}
			if json.Unmarshal(data, &e) == nil && e.Human != "" {
				return e.Human
			}
			return stdwebhook.ErrorMessage(data)
		},
	}
}
