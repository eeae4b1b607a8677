package loadgen

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// ConversationField is the custom ticket field ConfigYAML maps the
// conversation id into; FakeSink reads it to know whose ticket it made.
const ConversationField = "loadgen_conversation"

// Profile is how the fake ticket system misbehaves. Each verified request
// draws once from the seeded RNG: below Errors it fails with 500, below
// Errors+TooMany with 429 and Retry-After, otherwise it is served; every
// answer (failures too) waits Latency first.
type Profile struct {
	Latency    time.Duration
	Errors     float64
	TooMany    float64
	RetryAfter time.Duration
	Seed       uint64
}

// outcome is one request's draw.
type outcome int

const (
	serve outcome = iota
	fail500
	fail429
)

// SinkTicket is a ticket the fake holds.
type SinkTicket struct {
	generic.Ticket
	Conversation string
	Created      time.Time
	Comments     int
	// Bodies are the comments' texts, in order.
	Bodies []string
}

// SinkCounts are the fake's request counters.
type SinkCounts struct {
	Requests int `json:"requests"`
	Rejected int `json:"rejected_signatures"`
	Errors   int `json:"injected_errors"`
	TooMany  int `json:"injected_429"`
	Creates  int `json:"creates"`
	Lookups  int `json:"lookups"`
	Comments int `json:"comments"`
	// Duplicates counts creations for an external id that already had a
	// ticket: a non-idempotent retry.
	Duplicates int `json:"duplicate_creates"`
	// RedeliveredComments counts comments dropped because their
	// webhook-id was seen before (a retry the receiver absorbed).
	RedeliveredComments int `json:"redelivered_comments"`
}

// FakeSink is the generic sink's ticket API (see package
// internal/sink/generic) with an injected fault profile.
type FakeSink struct {
	profile  Profile
	verifier stdwebhook.Verifier
	baseURL  string
	now      func() time.Time
	// onCreate is called, outside the lock, once per new ticket.
	onCreate func(SinkTicket)
	mux      *http.ServeMux

	mu      sync.Mutex
	rng     *rand.Rand
	counts  SinkCounts
	tickets []*SinkTicket
	byExt   map[string]*SinkTicket
	byKey   map[string]*SinkTicket
	// seenComments holds comment webhook-ids: a Standard Webhooks
	// receiver drops a redelivery.
	seenComments map[string]bool
}

// NewFakeSink builds the fake; requests must be signed with key. baseURL
// goes into ticket URLs; onCreate may be nil.
func NewFakeSink(key stdwebhook.Secret, p Profile, baseURL string, onCreate func(SinkTicket)) *FakeSink {
	f := &FakeSink{
		profile:  p,
		verifier: stdwebhook.Verifier{Keys: []stdwebhook.Secret{key}},
		baseURL:  strings.TrimRight(baseURL, "/"),
		now:      time.Now,
		onCreate: onCreate,
		rng:      rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15)),
		byExt:    map[string]*SinkTicket{},
		byKey:    map[string]*SinkTicket{},

		seenComments: map[string]bool{},
	}
	f.mux = http.NewServeMux()
	f.mux.HandleFunc("POST /tickets", f.create)
	f.mux.HandleFunc("GET /tickets", f.find)
	f.mux.HandleFunc("POST /tickets/{key}/comments", f.comment)
	return f
}

// Counts returns the counters so far.
func (f *FakeSink) Counts() SinkCounts {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts
}

// Tickets returns copies of the tickets in creation order.
func (f *FakeSink) Tickets() []SinkTicket {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]SinkTicket, len(f.tickets))
	for i, t := range f.tickets {
		out[i] = *t
		out[i].Bodies = append([]string(nil), t.Bodies...)
	}
	return out
}

// draw decides one request's fate; the caller holds mu.
func (f *FakeSink) draw() outcome {
	if f.profile.Errors <= 0 && f.profile.TooMany <= 0 {
		return serve
	}
	x := f.rng.Float64()
	switch {
	case x < f.profile.Errors:
		return fail500
	case x < f.profile.Errors+f.profile.TooMany:
		return fail429
	}
	return serve
}

// ServeHTTP verifies, counts, draws a fault, waits the latency, then
// serves the API.
func (f *FakeSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, generic.ErrorBody{Error: "unreadable body"})
		return
	}
	_, verr := f.verifier.Verify(r.Header, body)
	f.mu.Lock()
	f.counts.Requests++
	o := serve
	if verr != nil {
		f.counts.Rejected++
	} else {
		o = f.draw()
		switch o {
		case fail500:
			f.counts.Errors++
		case fail429:
			f.counts.TooMany++
		}
	}
	f.mu.Unlock()
	if verr != nil {
		// Refused at once: a real service does not spend time on forgeries.
		writeJSON(w, http.StatusUnauthorized, generic.ErrorBody{Error: verr.Error()})
		return
	}
	if d := f.profile.Latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	switch o {
	case fail500:
		writeJSON(w, http.StatusInternalServerError, generic.ErrorBody{Error: "injected failure"})
		return
	case fail429:
		secs := int(math.Ceil(f.profile.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeJSON(w, http.StatusTooManyRequests, generic.ErrorBody{Error: "injected rate limit"})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.mux.ServeHTTP(w, r)
}

func (f *FakeSink) create(w http.ResponseWriter, r *http.Request) {
	var d core.TicketDraft
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil {
		writeJSON(w, http.StatusBadRequest, generic.ErrorBody{Error: "body is not a ticket"})
		return
	}
	if d.ExternalID == "" || strings.TrimSpace(d.Title) == "" {
		writeJSON(w, http.StatusBadRequest, generic.ErrorBody{Error: "invalid ticket",
			Fields: map[string]string{"external_id": "required", "title": "required"}})
		return
	}
	f.mu.Lock()
	f.counts.Creates++
	if t, ok := f.byExt[d.ExternalID]; ok {
		// Answer with the existing ticket, but count it: the sink should
		// have looked it up first.
		f.counts.Duplicates++
		ans := t.Ticket
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, ans)
		return
	}
	key := "LG-" + strconv.Itoa(len(f.tickets)+1)
	t := &SinkTicket{
		Ticket:       generic.Ticket{Key: key, URL: f.baseURL + "/browse/" + key, Status: "open", ExternalID: d.ExternalID},
		Conversation: conversationOf(d),
		Created:      f.now(),
	}
	f.tickets = append(f.tickets, t)
	f.byExt[d.ExternalID] = t
	f.byKey[key] = t
	snap := *t
	f.mu.Unlock()
	if f.onCreate != nil {
		f.onCreate(snap)
	}
	writeJSON(w, http.StatusCreated, snap.Ticket)
}

// conversationOf finds the conversation a draft is about: the custom
// field ConfigYAML maps, else the requester (loadgen names senders after
// their conversation).
func conversationOf(d core.TicketDraft) string {
	if c, ok := d.Custom[ConversationField].(string); ok && c != "" {
		return c
	}
	return d.Requester.ID
}

func (f *FakeSink) find(w http.ResponseWriter, r *http.Request) {
	ext := r.URL.Query().Get("external_id")
	list := generic.TicketList{Tickets: []generic.Ticket{}}
	f.mu.Lock()
	f.counts.Lookups++
	if t, ok := f.byExt[ext]; ok {
		list.Tickets = append(list.Tickets, t.Ticket)
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, list)
}

func (f *FakeSink) comment(w http.ResponseWriter, r *http.Request) {
	var c generic.CommentBody
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil || strings.TrimSpace(c.Body) == "" {
		writeJSON(w, http.StatusBadRequest, generic.ErrorBody{Error: "invalid comment", Fields: map[string]string{"body": "required"}})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.byKey[r.PathValue("key")]
	if !ok {
		writeJSON(w, http.StatusNotFound, generic.ErrorBody{Error: "no such ticket"})
		return
	}
	if id := r.Header.Get("webhook-id"); id != "" {
		if f.seenComments[id] {
			f.counts.RedeliveredComments++
			writeJSON(w, http.StatusOK, map[string]string{"duplicate": id})
			return
		}
		f.seenComments[id] = true
	}
	f.counts.Comments++
	t.Comments++
	t.Bodies = append(t.Bodies, c.Body)
	writeJSON(w, http.StatusCreated, map[string]int{"id": t.Comments})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
