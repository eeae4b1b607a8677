package api

import (
	"context"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Every list answers {"<items>": [...], "next_cursor": "..."}: the items
// are never null, and next_cursor, when not "", is the after= that fetches
// the next page.

// pager is what the list endpoints need beyond store.Store; both stores
// implement it.
type pager interface {
	DeskPage(ctx context.Context, status, after string, limit int) ([]store.DeskTicket, error)
	DryRunPage(ctx context.Context, before int64, limit int) ([]store.DryRun, error)
}

func (a *API) pager(w http.ResponseWriter) (pager, bool) {
	p, ok := a.Store.(pager)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this store cannot page its lists")
	}
	return p, ok
}

// deskList serves GET /api/v1/desk/tickets?status=&after=&limit=, by key.
func (a *API) deskList(w http.ResponseWriter, r *http.Request) {
	pg, err := parsePage(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	st, ok := a.pager(w)
	if !ok {
		return
	}
	ts, err := st.DeskPage(r.Context(), r.URL.Query().Get("status"), pg.after, pg.limit)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	next := ""
	if len(ts) == pg.limit {
		next = ts[len(ts)-1].Key
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": ts, "next_cursor": next})
}

// dryRuns serves GET /api/v1/dry-runs?after=&limit=, newest first.
func (a *API) dryRuns(w http.ResponseWriter, r *http.Request) {
	limit, before, ok := idPage(w, r)
	if !ok {
		return
	}
	st, ok := a.pager(w)
	if !ok {
		return
	}
	ds, err := st.DryRunPage(r.Context(), before, limit)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	next := nextID(len(ds), limit, func() int64 { return ds[len(ds)-1].ID })
	writeJSON(w, http.StatusOK, map[string]any{"dry_runs": ds, "next_cursor": next})
}

// deadLetters serves GET /api/v1/dead-letters?after=&limit=, newest first;
// the cursor is River's own.
func (a *API) deadLetters(w http.ResponseWriter, r *http.Request) {
	pg, err := parsePage(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	params := river.NewJobListParams().States(rivertype.JobStateDiscarded, rivertype.JobStateCancelled).
		First(pg.limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if pg.after != "" {
		var c river.JobListCursor
		if err := c.UnmarshalText([]byte(pg.after)); err != nil {
			writeError(w, http.StatusBadRequest, "after: must be the next_cursor of a previous page")
			return
		}
		params = params.After(&c)
	}
	res, err := a.Queue.JobList(r.Context(), params)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	next := ""
	if len(res.Jobs) == pg.limit && res.LastCursor != nil {
		b, err := res.LastCursor.MarshalText()
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		next = string(b)
	}
	writeJSON(w, http.StatusOK, map[string]any{"dead_letters": jobs.Describe(res.Jobs), "next_cursor": next})
}

// auditList serves GET /api/v1/audit?actor=&action=&since=&after=&limit=,
// newest first.
func (a *API) auditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, before, ok := idPage(w, r)
	if !ok {
		return
	}
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	since, err := ParseSince(q.Get("since"), now)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	entries, err := a.Store.AuditList(r.Context(), store.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"),
		Since: since, Limit: limit, Before: before})
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if entries == nil {
		entries = []store.AuditEntry{}
	}
	next := nextID(len(entries), limit, func() int64 { return entries[len(entries)-1].ID })
	writeJSON(w, http.StatusOK, map[string]any{"audit": entries, "next_cursor": next})
}
