// Package generictest is a ticket service for tests of the generic sink:
// it implements the API the package doc of generic describes, verifies
// every request's signature, can be made to fail, and sends signed
// webhooks to a ticketbridge server.
package generictest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// Loss says how a "lost" creation answer is lost.
type Loss int

const (
	// LoseWith502 stores the ticket and answers 502, as a proxy timing
	// out in front of a slow service would.
	LoseWith502 Loss = iota + 1
	// LoseHangUp stores the ticket and closes the connection unanswered.
	LoseHangUp
)

// Ticket is a ticket the desk holds.
type Ticket struct {
	generic.Ticket
	Draft    core.TicketDraft
	Comments []generic.CommentBody
}

// DeskOptions configures a Desk; zero values pick fresh secrets.
type DeskOptions struct {
	// Secret verifies requests (the sink's secret).
	Secret string
	// WebhookSecret signs the desk's webhooks; default Secret.
	WebhookSecret string
	// Now is the clock for the signature window; default time.Now.
	Now func() time.Time
}

// Desk is the fake ticket service.
type Desk struct {
	srv           *httptest.Server
	secret        string
	webhookSecret string
	webhookKey    stdwebhook.Secret
	verifier      stdwebhook.Verifier

	mu         sync.Mutex
	tickets    []*Ticket
	requests   int
	rejected   int
	failN      int
	failStatus int
	failRetry  string
	lose       Loss
	// loseComment, like lose, loses the next comment's answer after the
	// comment is stored.
	loseComment Loss
	// hold, when not nil, keeps creations waiting until it is closed;
	// holding counts the creations waiting on it.
	hold    chan struct{}
	holding int
	// seen holds the webhook-ids of comments taken: a receiver drops a
	// redelivery, as Standard Webhooks asks.
	seen map[string]bool
}

// NewDesk starts a desk that closes with the test.
func NewDesk(tb testing.TB, o DeskOptions) *Desk {
	tb.Helper()
	fresh := func() string {
		s, err := stdwebhook.NewSecret()
		if err != nil {
			tb.Fatalf("new secret: %v", err)
		}
		return s
	}
	if o.Secret == "" {
		o.Secret = fresh()
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = o.Secret
	}
	key, err := stdwebhook.ParseSecret(o.Secret)
	if err != nil {
		tb.Fatalf("desk secret: %v", err)
	}
	hookKey, err := stdwebhook.ParseSecret(o.WebhookSecret)
	if err != nil {
		tb.Fatalf("desk webhook secret: %v", err)
	}
	d := &Desk{
		secret:        o.Secret,
		webhookSecret: o.WebhookSecret,
		webhookKey:    hookKey,
		verifier:      stdwebhook.Verifier{Keys: []stdwebhook.Secret{key}, Now: o.Now},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tickets", d.create)
	mux.HandleFunc("GET /tickets", d.find)
	mux.HandleFunc("POST /tickets/{key}/comments", d.comment)
	d.srv = httptest.NewServer(d.guard(mux))
	tb.Cleanup(d.srv.Close)
	return d
}

// URL is the base URL, for the sink's url.
func (d *Desk) URL() string { return d.srv.URL }

// Secret is what requests must be signed with.
func (d *Desk) Secret() string { return d.secret }

// WebhookSecret is what the desk signs its webhooks with.
func (d *Desk) WebhookSecret() string { return d.webhookSecret }

// FailNext makes the next n requests fail with status (and Retry-After
// when retryAfter is not empty) before they do anything.
func (d *Desk) FailNext(n, status int, retryAfter string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failN, d.failStatus, d.failRetry = n, status, retryAfter
}

// LoseNextCreate makes the next creation store its ticket and then lose
// the answer the way l says.
func (d *Desk) LoseNextCreate(l Loss) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lose = l
}

// LoseNextComment makes the next comment (one not dropped as a
// redelivery) be stored and then lose its answer the way l says.
func (d *Desk) LoseNextComment(l Loss) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.loseComment = l
}

// HoldCreates makes creations wait, as a slow ticket system would, until
// the returned release is called; Holding tells how many are waiting.
func (d *Desk) HoldCreates() (release func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	ch := make(chan struct{})
	d.hold = ch
	var once sync.Once
	return func() {
		once.Do(func() {
			d.mu.Lock()
			d.hold = nil
			d.mu.Unlock()
			close(ch)
		})
	}
}

// Holding is the number of creations waiting on HoldCreates.
func (d *Desk) Holding() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.holding
}

// Tickets returns copies of all tickets in creation order.
func (d *Desk) Tickets() []Ticket {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Ticket, 0, len(d.tickets))
	for _, t := range d.tickets {
		c := *t
		c.Comments = append([]generic.CommentBody(nil), t.Comments...)
		out = append(out, c)
	}
	return out
}

// Ticket returns a copy of one ticket.
func (d *Desk) Ticket(key string) (Ticket, bool) {
	for _, t := range d.Tickets() {
		if t.Key == key {
			return t, true
		}
	}
	return Ticket{}, false
}

// CountExternal counts the tickets created with externalID; more than one
// means a creation was not idempotent.
func (d *Desk) CountExternal(externalID string) int {
	n := 0
	for _, t := range d.Tickets() {
		if t.ExternalID == externalID {
			n++
		}
	}
	return n
}

// SetStatus changes a ticket's status inside the desk (no webhook).
func (d *Desk) SetStatus(key, status string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, t := range d.tickets {
		if t.Key == key {
			t.Status = status
			return true
		}
	}
	return false
}

// Requests counts every request that reached the desk.
func (d *Desk) Requests() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.requests
}

// Rejected counts requests refused for their signature.
func (d *Desk) Rejected() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rejected
}

// guard counts, injects failures and verifies signatures before the API.
func (d *Desk) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, generic.ErrorBody{Error: "unreadable body"})
			return
		}
		d.mu.Lock()
		d.requests++
		if d.failN > 0 {
			d.failN--
			status, retry := d.failStatus, d.failRetry
			d.mu.Unlock()
			if retry != "" {
				w.Header().Set("Retry-After", retry)
			}
			writeJSON(w, status, generic.ErrorBody{Error: "injected failure " + strconv.Itoa(status)})
			return
		}
		d.mu.Unlock()
		if _, err := d.verifier.Verify(r.Header, body); err != nil {
			d.mu.Lock()
			d.rejected++
			d.mu.Unlock()
			writeJSON(w, http.StatusUnauthorized, generic.ErrorBody{Error: err.Error()})
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func (d *Desk) create(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	hold := d.hold
	if hold != nil {
		d.holding++
	}
	d.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
		}
		d.mu.Lock()
		d.holding--
		d.mu.Unlock()
	}
	var draft core.TicketDraft
	if err := json.NewDecoder(r.Body).Decode(&draft); err != nil {
		writeJSON(w, http.StatusBadRequest, generic.ErrorBody{Error: "body is not a ticket: " + err.Error()})
		return
	}
	fields := map[string]string{}
	if strings.TrimSpace(draft.Title) == "" {
		fields["title"] = "required"
	}
	if draft.ExternalID == "" {
		fields["external_id"] = "required"
	}
	if len(fields) > 0 {
		writeJSON(w, http.StatusBadRequest, generic.ErrorBody{Error: "invalid ticket", Fields: fields})
		return
	}
	d.mu.Lock()
	key := "EXT-" + strconv.Itoa(len(d.tickets)+1)
	t := &Ticket{
		Ticket: generic.Ticket{Key: key, URL: d.srv.URL + "/browse/" + key, Status: "open", ExternalID: draft.ExternalID},
		Draft:  draft,
	}
	d.tickets = append(d.tickets, t)
	lose := d.lose
	d.lose = 0
	answer := t.Ticket
	d.mu.Unlock()

	switch lose {
	case LoseWith502:
		writeJSON(w, http.StatusBadGateway, generic.ErrorBody{Error: "upstream timed out"})
	case LoseHangUp:
		hangUp(w)
	default:
		writeJSON(w, http.StatusCreated, answer)
	}
}

func (d *Desk) find(w http.ResponseWriter, r *http.Request) {
	ext := r.URL.Query().Get("external_id")
	if ext == "" {
		writeJSON(w, http.StatusBadRequest, generic.ErrorBody{Error: "external_id is required", Fields: map[string]string{"external_id": "required"}})
		return
	}
	list := generic.TicketList{Tickets: []generic.Ticket{}}
	d.mu.Lock()
	for _, t := range d.tickets {
		if t.ExternalID == ext {
			list.Tickets = append(list.Tickets, t.Ticket)
		}
	}
	d.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

func (d *Desk) comment(w http.ResponseWriter, r *http.Request) {
	var c generic.CommentBody
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		writeJSON(w, http.StatusBadRequest, generic.ErrorBody{Error: "body is not a comment: " + err.Error()})
		return
	}
	if strings.TrimSpace(c.Body) == "" {
		writeJSON(w, http.StatusBadRequest, generic.ErrorBody{Error: "invalid comment", Fields: map[string]string{"body": "required"}})
		return
	}
	key := r.PathValue("key")
	d.mu.Lock()
	defer d.mu.Unlock()
	if id := r.Header.Get("webhook-id"); id != "" {
		if d.seen[id] {
			writeJSON(w, http.StatusOK, map[string]string{"duplicate": id})
			return
		}
		if d.seen == nil {
			d.seen = map[string]bool{}
		}
		d.seen[id] = true
	}
	for _, t := range d.tickets {
		if t.Key == key {
			t.Comments = append(t.Comments, c)
			switch l := d.loseComment; l {
			case LoseWith502:
				d.loseComment = 0
				writeJSON(w, http.StatusBadGateway, generic.ErrorBody{Error: "gateway timeout"})
			case LoseHangUp:
				d.loseComment = 0
				hangUp(w)
			default:
				writeJSON(w, http.StatusCreated, map[string]int{"id": len(t.Comments)})
			}
			return
		}
	}
	writeJSON(w, http.StatusNotFound, generic.ErrorBody{Error: "no ticket " + key})
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 cannot hijack; a gateway error loses the answer too.
		writeJSON(w, http.StatusBadGateway, generic.ErrorBody{Error: "connection lost"})
		return
	}
	if conn, _, err := hj.Hijack(); err == nil {
		conn.Close()
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
