package store

import (
	"context"
	"time"
)

// ConsoleSession is a signed-in web console user. The cookie holds a random
// id; only its SHA-256 is stored, so a database dump signs no one in.
type ConsoleSession struct {
	IDHash    string // hex SHA-256 of the cookie's value
	Actor     string // the admin token's name
	CSRF      string // the token every form of this session must carry
	ExpiresAt time.Time
	CreatedAt time.Time
}

// DeskFilter selects desk tickets for the console's list. Empty fields do
// not filter; Text matches the title. Before pages: only tickets with a
// smaller number than that key's (newest first).
type DeskFilter struct {
	Status   string
	Priority string
	Assignee string
	Source   string // the chat source of the ticket's conversation
	Text     string
	Before   string
	Limit    int
}

// DeskListing is a desk ticket with what the console lists beside it.
type DeskListing struct {
	DeskTicket
	Assignee string
}

// Console is the storage the web console adds beside Store; both backends
// implement it.
type Console interface {
	ConsoleSessionCreate(ctx context.Context, cs ConsoleSession) error
	// ConsoleSessionGet returns the session unless it is unknown or has
	// expired at the given time (ErrNotFound).
	ConsoleSessionGet(ctx context.Context, idHash string, at time.Time) (ConsoleSession, error)
	ConsoleSessionDelete(ctx context.Context, idHash string) error
	DeskSearch(ctx context.Context, f DeskFilter) ([]DeskListing, error)
	DeskListingGet(ctx context.Context, key string) (DeskListing, error)
	// DeskSetFields sets priority and assignee, which the chat never sees.
	DeskSetFields(ctx context.Context, key, priority, assignee string) error
}

// RouteOverride is a route's rollout and mode as changed at runtime (from
// the console). It wins over the config file on every replica until it is
// cleared; the config stays the default.
type RouteOverride struct {
	Route   string
	Rollout int
	Mode    string // live or dry_run
	By      string
	At      time.Time
}

// RouteOverrides is the storage of runtime route overrides; both backends
// implement it. A change and its audit entry commit together, so no
// override is ever in force without its record.
type RouteOverrides interface {
	RouteOverrides(ctx context.Context) ([]RouteOverride, error)
	// SetRouteOverride replaces the route's override with o.
	SetRouteOverride(ctx context.Context, o RouteOverride, audit AuditEntry) error
	// ClearRouteOverride returns the route to its config; clearing a
	// route without an override is no error.
	ClearRouteOverride(ctx context.Context, route string, audit AuditEntry) error
}
