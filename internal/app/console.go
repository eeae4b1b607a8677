package app

import (
	"net/http"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/api"
	"github.com/ticketbridge/ticketbridge/internal/console"
)

// registerConsole mounts the web console when the store has what it needs
// (both backends do; a test's partial store may not).
//
// River's own UI is mounted under /console/river/ when the app has a River
// client. Its handler is not started: started, it would count every job
// state in the background every 10 s on every replica, watched or not (on
// SQLite through the one connection all writes share). Unstarted, it
// counts when asked: exact up to 10,000 jobs a state, estimated above.
func (a *App) registerConsole(mux *http.ServeMux, tokens *api.Tokens, opts Options) {
	st, ok := a.Store.(console.Store)
	if !ok {
		return
	}
	c := &console.Console{
		Tokens: tokens, Store: st, Desk: a.Desk, Queue: a.Queue, Rules: a.Deps.Rules, Now: opts.Now, Log: opts.Log,
		Runtime:       a,
		SecureCookies: strings.HasPrefix(a.Config.Server.PublicURL, "https://"),
	}
	if a.Queue != nil {
		ui, err := console.NewRiverUI(a.Queue, opts.Log)
		if err != nil {
			// The console says River's UI is not available; the rest runs.
			opts.Log.Warn("river ui not mounted", "error", err.Error())
		} else {
			c.RiverUI = ui
		}
	}
	if err := c.Register(mux); err != nil {
		// The templates are embedded and parsed by the console's tests, so
		// this is a build defect; the rest of the server still runs.
		opts.Log.Error("web console not mounted", "error", err.Error())
	}
}
