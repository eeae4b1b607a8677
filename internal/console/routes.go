package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/api"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

type routesView struct {
	Routes []routeRow
	Result string
	// Reloaded or Problems report the reload just asked for.
	Reloaded *api.ReloadResult
	Problems []api.ReloadProblem
	CanEdit  bool
	CanLoad  bool
}

// routeRow is a route as in force, beside the config file's values.
type routeRow struct {
	Name, Sink, Sources string
	Rollout             int
	DryRun              bool
	FileRollout         int
	FileDryRun          bool
	// Override is the stored override in force, if any.
	Override *store.RouteOverride
}

func (c *Console) routesPage(w http.ResponseWriter, r *http.Request, s *session) {
	c.renderRoutes(w, r, s, http.StatusOK, routesView{Result: r.URL.Query().Get("result")})
}

func (c *Console) renderRoutes(w http.ResponseWriter, r *http.Request, s *session, status int, v routesView) {
	if c.Rules == nil {
		c.fail(w, r, s, http.StatusNotFound, "err.norules")
		return
	}
	over, err := c.Store.RouteOverrides(r.Context())
	if err != nil {
		c.fail(w, r, s, http.StatusServiceUnavailable, "err.store")
		return
	}
	byRoute := map[string]store.RouteOverride{}
	for _, o := range over {
		byRoute[o.Route] = o
	}
	for _, rt := range c.Rules.Routes() {
		row := routeRow{Name: rt.Name(), Sink: rt.Config.Sink, Sources: strings.Join(rt.Config.Sources, ", "),
			Rollout: rt.Rollout(), DryRun: rt.DryRun(), FileRollout: rt.Rollout(), FileDryRun: rt.DryRun()}
		if f, ok := c.Rules.Configured(rt.Name()); ok {
			row.FileRollout, row.FileDryRun = f.Rollout(), f.DryRun()
		}
		if o, ok := byRoute[rt.Name()]; ok {
			row.Override = &o
		}
		v.Routes = append(v.Routes, row)
	}
	v.CanEdit = c.Runtime != nil && s.may(opsEdit)
	v.CanLoad = c.Runtime != nil && s.may(adminEdit)
	c.render(w, r, status, "routes.html", s, v)
}

// routeSet stores a route's rollout and mode (or clears the override) and
// goes back to the routes page.
func (c *Console) routeSet(w http.ResponseWriter, r *http.Request, s *session) {
	if c.Runtime == nil {
		c.fail(w, r, s, http.StatusNotImplemented, "err.noruntime")
		return
	}
	name := r.PathValue("name")
	if _, ok := c.Rules.Route(name); !ok {
		c.fail(w, r, s, http.StatusNotFound, "err.noroute")
		return
	}
	var err error
	result := "saved " + name
	if r.PostFormValue("clear") != "" {
		err = c.Runtime.ClearRouteOverride(r.Context(), s.Actor, name)
		result = "cleared " + name
	} else {
		rollout, perr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("rollout")))
		mode := r.PostFormValue("mode")
		switch {
		case perr != nil || rollout < 0 || rollout > 100:
			c.failDetail(w, r, s, http.StatusBadRequest, "err.invalid", "rollout must be a whole number from 0 to 100")
			return
		case mode != rules.ModeLive && mode != rules.ModeDryRun:
			c.failDetail(w, r, s, http.StatusBadRequest, "err.invalid", "mode must be live or dry_run")
			return
		}
		err = c.Runtime.SetRouteOverride(r.Context(), s.Actor, name, rollout, mode == rules.ModeDryRun)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.fail(w, r, s, http.StatusNotFound, "err.noroute")
		return
	case err != nil:
		c.failDetail(w, r, s, http.StatusServiceUnavailable, "err.invalid", err.Error())
		return
	}
	http.Redirect(w, r, "/console/ops/routes?result="+urlQuery(result), http.StatusSeeOther)
}

// reload reads the config file again; a refused file is shown with each
// problem, and the running config stays.
func (c *Console) reload(w http.ResponseWriter, r *http.Request, s *session) {
	if c.Runtime == nil {
		c.fail(w, r, s, http.StatusNotImplemented, "err.noruntime")
		return
	}
	res, err := c.Runtime.Reload(r.Context(), s.Actor)
	if err != nil {
		c.renderRoutes(w, r, s, http.StatusUnprocessableEntity, routesView{Problems: api.ReloadProblems(err)})
		return
	}
	c.renderRoutes(w, r, s, http.StatusOK, routesView{Reloaded: &res})
}
