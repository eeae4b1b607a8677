package api

import (
	"fmt"
	"net/http"
	"strconv"
)

// Paging of every list endpoint: ?limit= (1 to MaxLimit, default
// DefaultLimit) and ?after= (the next_cursor of the previous page).
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// page is a list request's limit and cursor.
type page struct {
	limit int
	after string
}

// parsePage reads ?limit= and ?after=; a bad limit is the caller's 400,
// never a silent default.
func parsePage(r *http.Request) (page, error) {
	p := page{limit: DefaultLimit, after: r.URL.Query().Get("after")}
	l := r.URL.Query().Get("limit")
	if l == "" {
		return p, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > MaxLimit {
		return p, fmt.Errorf("limit %q: must be a whole number from 1 to %d", l, MaxLimit)
	}
	p.limit = n
	return p, nil
}

// afterID reads the cursor of endpoints that page by a numeric id.
func (p page) afterID() (int64, error) {
	if p.after == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(p.after, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("after %q: must be the next_cursor of a previous page", p.after)
	}
	return n, nil
}

// idPage reads the limit and numeric cursor of a list paged by id,
// answering 400 itself when either is bad.
func idPage(w http.ResponseWriter, r *http.Request) (limit int, after int64, ok bool) {
	p, err := parsePage(r)
	if err == nil {
		after, err = p.afterID()
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return 0, 0, false
	}
	return p.limit, after, true
}

// nextID is the next_cursor of a page of n rows ending at id last: none
// when the page was not full.
func nextID(n, limit int, last func() int64) string {
	if n < limit {
		return ""
	}
	return strconv.FormatInt(last(), 10)
}
