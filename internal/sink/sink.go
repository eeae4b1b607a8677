// Package sink defines what a ticket-system connector does and keeps the
// list of connector types. The connectors live in the packages below it.
package sink

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Sink is one configured ticket-system connection.
type Sink interface {
	ID() string
	// Create makes a ticket. Callers look the draft's ExternalID up with
	// FindByExternalID first when retrying.
	Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error)
	FindByExternalID(ctx context.Context, externalID string) (core.TicketRef, bool, error)
	Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error
	// ParseWebhook verifies and parses an inbound webhook from the ticket
	// system. Refusals wrap core.ErrBadSignature, core.ErrStale or
	// core.ErrMalformed.
	ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error)
}

// Deps is what a connector may use.
type Deps struct {
	HTTP *http.Client
	Now  func() time.Time
	Log  *slog.Logger
	// PublicURL is server.public_url, for links to our own pages.
	PublicURL string
}

// Factory builds a sink from its configuration entry.
type Factory func(c config.Connector, d Deps) (Sink, error)

// Registry maps connector type names to factories; filled in internal/app.
type Registry struct {
	factories map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{factories: map[string]Factory{}} }

// Add registers a connector type.
func (r *Registry) Add(typ string, f Factory) { r.factories[typ] = f }

// Types lists the registered type names, sorted.
func (r *Registry) Types() []string {
	out := make([]string, 0, len(r.factories))
	for t := range r.factories {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Build makes the sink a configuration entry describes.
func (r *Registry) Build(c config.Connector, d Deps) (Sink, error) {
	f, ok := r.factories[c.Type]
	if !ok {
		return nil, fmt.Errorf("unknown sink type %q (known: %v)", c.Type, r.Types())
	}
	return f(c, d)
}
