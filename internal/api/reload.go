package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/ticketbridge/ticketbridge/internal/config"
)

// ReloadResult says what a config reload applied.
type ReloadResult struct {
	File string `json:"file"`
	// Routes is the number of routes in force; Changed names those whose
	// settings differ from before.
	Routes  int      `json:"routes"`
	Changed []string `json:"changed"`
}

// Reloader reads the config file again and applies what can change
// without a restart; a refused file comes back as config.Problems.
type Reloader interface {
	Reload(ctx context.Context, actor string) (ReloadResult, error)
}

// ReloadProblem is one reason a reload was refused, as `config check`
// prints it and in parts.
type ReloadProblem struct {
	Problem string `json:"problem"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// ReloadProblems turns a refused reload's error into its problems.
func ReloadProblems(err error) []ReloadProblem {
	var ps config.Problems
	if !errors.As(err, &ps) {
		return []ReloadProblem{{Problem: err.Error(), Message: err.Error()}}
	}
	out := make([]ReloadProblem, 0, len(ps))
	for _, p := range ps {
		out = append(out, ReloadProblem{Problem: p.String(), File: p.File, Line: p.Line, Field: p.Field, Message: p.Message})
	}
	return out
}

// reload answers POST /api/v1/admin/reload: 200 with what was applied,
// or 422 with every problem while the running config stays in force.
func (a *API) reload(w http.ResponseWriter, r *http.Request) {
	if a.Reloader == nil {
		writeError(w, http.StatusNotImplemented, "config reload is not available")
		return
	}
	res, err := a.Reloader.Reload(r.Context(), actor(r))
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error":    "the configuration was refused; the running one is kept",
			"problems": ReloadProblems(err),
		})
		return
	}
	writeJSON(w, http.StatusOK, res)
}
