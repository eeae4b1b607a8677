package sinkhttp

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// Deps fills what the caller left out of d: the wall clock, an HTTP
// client with the connector's timeout, a logger that discards.
func Deps(d sink.Deps, timeout time.Duration) sink.Deps {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.HTTP == nil {
		d.HTTP = &http.Client{Timeout: timeout}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return d
}
