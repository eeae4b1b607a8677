package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// tokenNameKey carries the authenticated token's name in the request's
// context: it is the actor of the audit entries the request writes.
type tokenNameKey struct{}

func actor(r *http.Request) string {
	if name, _ := r.Context().Value(tokenNameKey{}).(string); name != "" {
		return name
	}
	return "api"
}

// audit records an action the request performed. The action has already
// happened, so a failure to record it is logged rather than answered.
func (a *API) audit(r *http.Request, action, target string, detail map[string]any) {
	e := store.AuditEntry{Actor: actor(r), Action: action, Target: target, Detail: detail}
	if a.Now != nil {
		e.At = a.Now()
	}
	if err := a.Store.AuditAdd(r.Context(), e); err != nil && a.Log != nil {
		a.Log.Error("audit entry not written", slog.String("action", action), slog.String("target", target),
			slog.String("error", err.Error()))
	}
}

// ParseSince reads a --since or ?since= value: a duration back from now
// ("24h", "30m", "7d") or an RFC 3339 time; "" is no bound.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("since %q: want a duration like 24h or 7d, or an RFC 3339 time", s)
}
