package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Outcomes of POST /api/v1/tickets.
const (
	OutcomeCreated      = "created"        // a ticket is being created
	OutcomeAppended     = "appended"       // the text goes to the conversation's ticket
	OutcomeOutOfRollout = "out_of_rollout" // the route's rollout leaves the conversation out
	OutcomeDryRun       = "dry_run"        // the route only records what it would do
	OutcomeNone         = "none"           // nothing happens; Reason says why
	OutcomeDuplicate    = "duplicate"      // the Idempotency-Key was seen: nothing new happens
)

// TriggerResponse answers POST /api/v1/tickets with what happened.
type TriggerResponse struct {
	EventID   string `json:"event_id"`
	Duplicate bool   `json:"duplicate"`
	Outcome   string `json:"outcome"`
	Route     string `json:"route,omitempty"`
	// Decision is the rules' decision (create, append, none, …); with
	// outcome dry_run it is what the route would have done.
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
	// Ticket is the conversation's ticket when it already has one.
	Ticket *TicketRef `json:"ticket,omitempty"`
	// Fetch is where GET returns the conversation's ticket, once created.
	Fetch string `json:"fetch"`
}

// TicketRef is a conversation's ticket on one route.
type TicketRef struct {
	Route string `json:"route"`
	Key   string `json:"key,omitempty"` // "" while the ticket is being created
	URL   string `json:"url,omitempty"`
	State string `json:"state"`
}

func refOf(l store.Link) *TicketRef {
	return &TicketRef{Route: l.Route, Key: l.TicketKey, URL: l.TicketURL, State: l.State}
}

// decide runs the rules on the API's event before it is stored, so the
// caller learns what the worker will do with it. The worker decides again
// on the stored event; the two agree unless the conversation changes in
// between (a ticket created by a chat message in the same instant).
func (a *API) decide(ctx context.Context, ev core.Event) (rules.Decision, map[string]store.Link, error) {
	links := map[string]store.Link{}
	open, err := a.Store.LinksForConversation(ctx, ev.Conversation.Key())
	if err != nil {
		return rules.Decision{}, nil, fmt.Errorf("load links: %w", err)
	}
	st := rules.State{Now: a.Now(), Links: map[string]rules.LinkState{}}
	for _, l := range open {
		links[l.Route] = l
		st.Links[l.Route] = rules.LinkState{TicketKey: l.TicketKey, State: l.State}
	}
	ds := a.Rules.Evaluate(ev, st)
	if len(ds) == 0 {
		return rules.Decision{Kind: rules.KindNone, Reason: "no route for source " + ev.Source}, links, nil
	}
	pick := ds[0]
	for _, d := range ds {
		if d.Kind != rules.KindNone {
			pick = d
			break
		}
	}
	return pick, links, nil
}

// respond writes what happened: 202 with a Location to fetch the ticket
// when one is being created, 200 otherwise.
func respond(w http.ResponseWriter, ev core.Event, accepted bool, d rules.Decision, links map[string]store.Link) {
	q := url.Values{"source": {ev.Source}, "conversation": {ev.Conversation.Conversation}}
	if ev.Conversation.Thread != "" {
		q.Set("thread", ev.Conversation.Thread)
	}
	resp := TriggerResponse{EventID: ev.EventID, Duplicate: !accepted, Route: d.Route, Decision: string(d.Kind),
		Reason: d.Reason, Fetch: "/api/v1/tickets?" + q.Encode()}
	if l, ok := links[d.Route]; ok {
		resp.Ticket = refOf(l)
	}
	status := http.StatusOK
	switch {
	case !accepted:
		// The first request was decided when it was stored; what the
		// rules say now, with its ticket open, is not what happened then.
		resp.Outcome, resp.Decision, resp.Reason = OutcomeDuplicate, "", "already received under this Idempotency-Key"
		if resp.Ticket == nil {
			for _, l := range links {
				resp.Ticket = refOf(l)
				break
			}
		}
	case d.DryRun:
		resp.Outcome = OutcomeDryRun
	case d.Kind == rules.KindCreate:
		resp.Outcome, status = OutcomeCreated, http.StatusAccepted
		w.Header().Set("Location", resp.Fetch)
	case d.Kind == rules.KindAppend:
		resp.Outcome = OutcomeAppended
	case d.Reason == "outside rollout":
		resp.Outcome = OutcomeOutOfRollout
	default:
		resp.Outcome = OutcomeNone
	}
	writeJSON(w, status, resp)
}

// tickets serves GET /api/v1/tickets?source=&conversation=[&thread=]: the
// conversation's open tickets, one per route; 404 when it has none.
func (a *API) tickets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	src, conv := q.Get("source"), q.Get("conversation")
	switch {
	case !a.Sources[src]:
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown source %q", src))
		return
	case conv == "":
		writeError(w, http.StatusBadRequest, "conversation is required")
		return
	}
	ref := core.ConversationRef{Source: src, Conversation: conv, Thread: q.Get("thread")}
	links, err := a.Store.LinksForConversation(r.Context(), ref.Key())
	if err != nil {
		writeStoreError(w, err)
		return
	}
	if len(links) == 0 {
		writeError(w, http.StatusNotFound, "the conversation has no open ticket (yet)")
		return
	}
	out := make([]*TicketRef, len(links))
	for i, l := range links {
		out[i] = refOf(l)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": out})
}
