package console

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"riverqueue.com/riverui"
	"riverqueue.com/riverui/uiendpoints"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// riverPrefix is where River's own web UI is mounted.
const riverPrefix = "/console/river"

// maxRiverBody bounds the body of a River UI change (a list of at most
// 1,000 job ids, or a queue's settings).
const maxRiverBody = 64 << 10

// NewRiverUI builds River's own web UI (riverqueue.com/riverui) on q, which
// must be River's client on SQLite or PostgreSQL, for Console.RiverUI. It
// serves without Start, which would add background job counts.
func NewRiverUI(q store.Queue, log *slog.Logger) (*riverui.Handler, error) {
	var endpoints uiendpoints.Bundle
	switch c := q.(type) {
	case *river.Client[*sql.Tx]:
		endpoints = riverui.NewEndpoints(c, nil)
	case *river.Client[pgx.Tx]:
		endpoints = riverui.NewEndpoints(c, nil)
	default:
		return nil, fmt.Errorf("river ui: %T is not River's client on SQLite or PostgreSQL", q)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h, err := riverui.NewHandler(&riverui.HandlerOpts{Endpoints: endpoints, Logger: log, Prefix: riverPrefix})
	if err != nil {
		return nil, fmt.Errorf("river ui: %w", err)
	}
	return h, nil
}

// riverChange is a River UI API call that changes something: its audit
// action and the targets it names.
type riverChange struct {
	action  string
	targets []string
	detail  map[string]any
}

// riverChangeOf recognises the River UI API's changes (v0.22.0): cancel,
// retry and delete of jobs by id, pause, resume and update of a queue.
// Anything else that is not a read is refused, so nothing changes unaudited.
func riverChangeOf(r *http.Request, body []byte) (riverChange, error) {
	path := strings.TrimPrefix(r.URL.Path, riverPrefix+"/api/")
	switch {
	case r.Method == http.MethodPost && (path == "jobs/cancel" || path == "jobs/retry" || path == "jobs/delete"):
		var req struct {
			IDs []json.Number `json:"ids"`
		}
		if err := json.Unmarshal(body, &req); err != nil || len(req.IDs) == 0 {
			return riverChange{}, errors.New("the body must be {\"ids\": [...]}")
		}
		ch := riverChange{action: "console.river.job_" + strings.TrimPrefix(path, "jobs/")}
		for _, id := range req.IDs {
			if _, err := id.Int64(); err != nil {
				return riverChange{}, fmt.Errorf("job id %q is not a number", id)
			}
			ch.targets = append(ch.targets, "job/"+id.String())
		}
		return ch, nil
	case strings.HasPrefix(path, "queues/"):
		rest := strings.TrimPrefix(path, "queues/")
		name, verb, _ := strings.Cut(rest, "/")
		if name == "" {
			break
		}
		if n, err := url.PathUnescape(name); err == nil {
			name = n
		}
		target := []string{"queue/" + name}
		switch {
		case r.Method == http.MethodPut && (verb == "pause" || verb == "resume"):
			return riverChange{action: "console.river.queue_" + verb, targets: target}, nil
		case r.Method == http.MethodPatch && verb == "":
			var settings map[string]any
			_ = json.Unmarshal(body, &settings)
			return riverChange{action: "console.river.queue_update", targets: target,
				detail: map[string]any{"settings": settings}}, nil
		}
	}
	return riverChange{}, errUnknownChange
}

var errUnknownChange = errors.New("not a change River UI makes")

// river serves River's own UI under /console/river/ to the operations
// scopes: read and above see it, operate and above change jobs and queues
// through it. Its changes carry no form token, so a cross-site request
// is refused by the browser's own headers (http.CrossOriginProtection),
// and each change is audited under the session's name.
func (c *Console) river() http.Handler {
	cop := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		riverHeaders(w, r)
		reading := r.Method == http.MethodGet || r.Method == http.MethodHead
		if err := cop.Check(r); err != nil {
			c.riverFail(w, r, nil, http.StatusForbidden, "err.crossorigin")
			return
		}
		s, err := c.session(r)
		switch {
		case errors.Is(err, errNoSession) && reading && !isRiverAPI(r):
			http.Redirect(w, r, "/console/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case errors.Is(err, errNoSession):
			c.riverFail(w, r, nil, http.StatusUnauthorized, "err.signin")
			return
		case err != nil:
			c.riverFail(w, r, nil, http.StatusServiceUnavailable, "err.store")
			return
		}
		need := opsView
		if !reading {
			need = opsEdit
		}
		if !s.may(need) {
			c.riverFail(w, r, s, http.StatusForbidden, "err.scope")
			return
		}
		if c.RiverUI == nil {
			c.riverFail(w, r, s, http.StatusNotFound, "err.noriver")
			return
		}
		if reading {
			c.RiverUI.ServeHTTP(w, r)
			return
		}
		c.riverApply(w, r, s)
	})
}

// riverApply passes a change on to River UI and audits it when River
// answered with success (a refused change changed nothing).
func (c *Console) riverApply(w http.ResponseWriter, r *http.Request, s *session) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRiverBody+1))
	if err != nil || len(body) > maxRiverBody {
		writeRiverError(w, http.StatusRequestEntityTooLarge, "the body is larger than 64 KiB")
		return
	}
	ch, err := riverChangeOf(r, body)
	if errors.Is(err, errUnknownChange) {
		c.riverFail(w, r, s, http.StatusNotFound, "err.noriverchange")
		return
	}
	if err != nil {
		writeRiverError(w, http.StatusBadRequest, err.Error())
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	c.RiverUI.ServeHTTP(rec, r)
	if rec.status < 200 || rec.status > 299 {
		return
	}
	for _, target := range ch.targets {
		detail := map[string]any{"ui": "river"}
		for k, v := range ch.detail {
			detail[k] = v
		}
		c.audit(r, s, ch.action, target, detail)
	}
}

// riverFail answers a refused River UI request: JSON for its API (which
// the UI's script reads), the console's error page otherwise.
func (c *Console) riverFail(w http.ResponseWriter, r *http.Request, s *session, status int, key string) {
	if isRiverAPI(r) || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		writeRiverError(w, status, catalogs[language(r)].Get(key))
		return
	}
	secureHeaders(w)
	c.fail(w, r, s, status, key)
}

func isRiverAPI(r *http.Request) bool {
	return r.URL.Path == riverPrefix+"/api" || strings.HasPrefix(r.URL.Path, riverPrefix+"/api/")
}

// writeRiverError answers in the shape of River UI's own API errors.
func writeRiverError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}

// riverHeaders are secureHeaders for River UI's pages: its stylesheet
// and scripts are its own (served from here), but its components set
// inline styles. Its assets have hashed names and may be cached.
func riverHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "+
		"frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	if strings.HasPrefix(r.URL.Path, riverPrefix+"/assets/") {
		h.Set("Cache-Control", "private, max-age=86400")
	} else {
		h.Set("Cache-Control", "no-store")
	}
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
