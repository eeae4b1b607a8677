// Package console is the web console under /console/: the local desk for
// agents and day-2 operations for leads, as server-rendered HTML pages
// (html/template, a few lines of plain JS, nothing fetched from elsewhere).
// People sign in with an admin token, which is exchanged for a session
// cookie; every change is written to the audit log under the token's name.
package console

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/api"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/sink/local"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is what the console reads and writes.
type Store interface {
	store.Console
	store.RouteOverrides
	DeskComments(ctx context.Context, key string) ([]store.DeskComment, error)
	LinkByTicket(ctx context.Context, sink, ticketKey string) (store.Link, error)
	LinksForConversation(ctx context.Context, convKey string) ([]store.Link, error)
	ConversationEvents(ctx context.Context, convKey string, afterID, throughID int64, limit int) ([]core.StoredEvent, error)
	AuditAdd(ctx context.Context, e store.AuditEntry) error
}

// Console serves /console/.
type Console struct {
	Tokens *api.Tokens
	Store  Store
	// Desk is the local desk; nil when none is configured (the desk pages
	// then say so and refuse changes).
	Desk  *local.Desk
	Queue store.Queue
	Rules *rules.Engine
	// Runtime changes routes and reloads the config while running (nil:
	// the routes page only shows them).
	Runtime Runtime
	// RiverUI is River's own web UI (NewRiverUI), served under
	// /console/river/ to the operations scopes; nil when there is no
	// River client (the route then says so).
	RiverUI http.Handler
	Now     func() time.Time
	Log     *slog.Logger
	// SecureCookies marks the session cookie Secure even when the request
	// reached us in plain HTTP (TLS ended at a proxy in front).
	SecureCookies bool
	// CheckEvery is how often an open ticket page's event stream looks
	// for changes (default 1 s); MaxStreams bounds the streams open at
	// once (default 256), past which pages poll.
	CheckEvery time.Duration
	MaxStreams int

	pages   map[string]*template.Template
	streams streams
}

// Runtime is what the routes page changes: overrides of a route's rollout
// and mode, and a reload of the config file.
type Runtime interface {
	SetRouteOverride(ctx context.Context, actor, route string, rollout int, dryRun bool) error
	ClearRouteOverride(ctx context.Context, actor, route string) error
	api.Reloader
}

// Register adds the console's routes to mux.
func (c *Console) Register(mux *http.ServeMux) error {
	if err := c.parse(); err != nil {
		return err
	}
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /console/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/desk", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /console/signin", c.signInPage)
	mux.HandleFunc("POST /console/signin", c.signIn)
	mux.HandleFunc("GET /console/lang/{lang}", c.setLang)
	for _, rt := range c.routes() {
		mux.HandleFunc(rt.pattern, c.guard(rt.right, rt.h))
	}
	mux.Handle(riverPrefix+"/", c.river())
	return nil
}

// route is one signed-in page or action; the table is also what the
// authorisation tests walk.
type route struct {
	pattern string
	right   right
	h       func(w http.ResponseWriter, r *http.Request, s *session)
}

func (c *Console) routes() []route {
	return []route{
		{"POST /console/signout", anyone, c.signOut},
		{"GET /console/desk", deskView, c.deskList},
		{"GET /console/desk/{key}", deskView, c.deskShow},
		{"GET /console/desk/{key}/version", deskView, c.deskVersion},
		{"GET /console/desk/{key}/events", deskView, c.deskEvents},
		{"POST /console/desk/{key}/comment", deskEdit, c.deskComment},
		{"POST /console/desk/{key}/status", deskEdit, c.deskStatus},
		{"POST /console/desk/{key}/fields", deskEdit, c.deskFields},
		{"GET /console/ops/health", opsView, c.healthPage},
		{"GET /console/ops/conversations", opsView, c.conversations},
		{"GET /console/ops/dead-letters", opsView, c.deadLetters},
		{"POST /console/ops/dead-letters/replay", opsEdit, c.replay},
		{"POST /console/ops/dead-letters/discard", opsEdit, c.discard},
		{"GET /console/ops/rules", opsView, c.rulesPage},
		{"POST /console/ops/rules", opsView, c.rulesEval},
		{"GET /console/ops/routes", opsView, c.routesPage},
		{"POST /console/ops/routes/{name}", opsEdit, c.routeSet},
		{"POST /console/ops/reload", adminEdit, c.reload},
	}
}

func (c *Console) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// audit records a change made through the console. The change has
// happened, so a failure to record it is logged, not answered.
func (c *Console) audit(r *http.Request, s *session, action, target string, detail map[string]any) {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["via"] = "console"
	e := store.AuditEntry{At: c.now(), Actor: s.Actor, Action: action, Target: target, Detail: detail}
	if err := c.Store.AuditAdd(r.Context(), e); err != nil && c.Log != nil {
		c.Log.Error("audit entry not written", slog.String("action", action), slog.String("target", target),
			slog.String("error", err.Error()))
	}
}

// safeNext keeps a post-sign-in redirect on this site's console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/console/desk"
	}
	return next
}
