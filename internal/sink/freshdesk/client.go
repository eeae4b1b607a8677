package freshdesk

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// newClient authenticates with the API key as the Basic user name and X
// as the password, Freshdesk's convention.
func newClient(hc *http.Client, base, key string, now func() time.Time) *sinkhttp.Client {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":X"))
	return &sinkhttp.Client{
		HTTP: hc, Base: base, Now: now,
		Auth:    func(h http.Header) { h.Set("Authorization", auth) },
		Message: func(_ int, data []byte) string { return errorMessage(data) },
	}
}

// errorMessage reads Freshdesk's {"description": …, "errors": [{field,
// message, code}]} into one line.
func errorMessage(data []byte) string {
	var e struct {
		Description string `json:"description"`
		Errors      []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(data, &e) != nil || e.Description == "" && len(e.Errors) == 0 {
		return stdwebhook.ErrorMessage(data)
	}
	parts := []string{e.Description}
	for _, f := range e.Errors {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return stdwebhook.ErrorMessage([]byte(strings.Join(parts, "; ")))
}
