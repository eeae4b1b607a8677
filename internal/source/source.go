// Package source defines what an IM platform connector does and keeps the
// list of connector types. The connectors live in the packages below it.
package source

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Source is one configured IM connection.
type Source interface {
	// ID is the configured source id, the last part of its webhook URL.
	ID() string
	// Verify authenticates the request (signature, timestamp window) before
	// anything trusts the body. It returns an error wrapping
	// core.ErrBadSignature or core.ErrStale when it refuses.
	Verify(r *http.Request, body []byte) error
	// Parse turns one verified request into events and/or a reply.
	// A body it cannot understand gives an error wrapping core.ErrMalformed.
	Parse(ctx context.Context, r *http.Request, body []byte) (core.Inbound, error)
	// Post sends a message to a conversation.
	Post(ctx context.Context, to core.ConversationRef, msg core.OutboundMessage) (core.PostedRef, error)
}

// AttachmentFetcher is implemented by sources whose events carry files.
type AttachmentFetcher interface {
	FetchAttachment(ctx context.Context, a core.Attachment) (io.ReadCloser, core.Attachment, error)
}

// Deps is what a connector may use; no connector reaches for globals.
type Deps struct {
	HTTP *http.Client
	// Now is the clock signature windows read.
	Now func() time.Time
	Log *slog.Logger
}

// Factory builds a source from its configuration entry.
type Factory func(c config.Connector, d Deps) (Source, error)

// Registry maps connector type names to factories. It is filled in one
// place (internal/app), not by init side effects.
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

// Build makes the source a configuration entry describes.
func (r *Registry) Build(c config.Connector, d Deps) (Source, error) {
	f, ok := r.factories[c.Type]
	if !ok {
		return nil, fmt.Errorf("unknown source type %q (known: %v)", c.Type, r.Types())
	}
	return f(c, d)
}
