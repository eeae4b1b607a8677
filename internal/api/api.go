package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/jobs"
	"github.com/ticketbridge/ticketbridge/internal/rules"
	"github.com/ticketbridge/ticketbridge/internal/sink/local"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Submitter stores inbound events durably (the ingress group-commit writer).
type Submitter interface {
	Submit(ctx context.Context, events []core.Event) ([]bool, error)
}

// API serves /api/v1.
type API struct {
	Tokens *Tokens
	Store  store.Store
	Queue  store.Queue
	Writer Submitter
	// Rules tell the trigger what will happen to its event.
	Rules *rules.Engine
	// Desk is the local ticket desk, nil when no local sink is configured.
	// Several local sinks would share one table, so one serves them all.
	Desk    *local.Desk
	Sources map[string]bool
	Now     func() time.Time
	// Log reports audit entries that could not be written (nil: dropped).
	Log *slog.Logger
	// Reloader reads the config file again (nil: reload is not offered).
	Reloader Reloader
}

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	t := a.Tokens
	mux.HandleFunc("POST /api/v1/tickets", t.require(ScopeOperate, a.createTicket))
	mux.HandleFunc("GET /api/v1/tickets", t.require(ScopeRead, a.tickets))
	mux.HandleFunc("GET /api/v1/desk/tickets", t.require(ScopeRead, a.deskList))
	mux.HandleFunc("GET /api/v1/desk/tickets/{key}", t.require(ScopeRead, a.deskShow))
	mux.HandleFunc("POST /api/v1/desk/tickets/{key}/comments", t.require(ScopeOperate, a.deskComment))
	mux.HandleFunc("POST /api/v1/desk/tickets/{key}/status", t.require(ScopeOperate, a.deskStatus))
	mux.HandleFunc("POST /api/v1/desk/tickets/{key}/assignee", t.require(ScopeOperate, a.deskAssign))
	mux.HandleFunc("POST /api/v1/desk/tickets/{key}/priority", t.require(ScopeOperate, a.deskPriority))
	mux.HandleFunc("GET /api/v1/dead-letters", t.require(ScopeRead, a.deadLetters))
	mux.HandleFunc("POST /api/v1/dead-letters/{id}/replay", t.require(ScopeOperate, a.replay))
	mux.HandleFunc("GET /api/v1/dry-runs", t.require(ScopeRead, a.dryRuns))
	mux.HandleFunc("GET /api/v1/audit", t.require(ScopeAdmin, a.auditList))
	mux.HandleFunc("GET /api/v1/chat/messages", t.require(ScopeRead, a.chatMessages))
	mux.HandleFunc("POST /api/v1/admin/reload", t.require(ScopeAdmin, a.reload))
}

// TicketRequest is the body of POST /api/v1/tickets: open a ticket for a
// conversation as if its members had typed the route's command.
type TicketRequest struct {
	Source       string      `json:"source"`
	Conversation string      `json:"conversation"`
	Thread       string      `json:"thread,omitempty"`
	Text         string      `json:"text"`
	Sender       core.Sender `json:"sender"`
}

func (a *API) createTicket(w http.ResponseWriter, r *http.Request) {
	var req TicketRequest
	if err := decode(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	switch {
	case !a.Sources[req.Source]:
		writeError(w, http.StatusNotFound, fmt.Sprintf("unknown source %q", req.Source))
		return
	case req.Conversation == "":
		writeError(w, http.StatusBadRequest, "conversation is required")
		return
	case req.Text == "":
		writeError(w, http.StatusBadRequest, "text is required")
		return
	}
	command := a.commandFor(req.Source)
	if command == "" {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("no route takes commands from source %q", req.Source))
		return
	}
	if req.Sender.ID == "" {
		req.Sender.ID = "api"
	}
	if req.Sender.Role == "" {
		req.Sender.Role = core.RoleAgent
	}
	id := r.Header.Get("Idempotency-Key")
	if id == "" {
		id = randomID()
	}
	ev := core.Event{
		Source: req.Source, EventID: "api:" + id, Kind: core.KindCommand,
		Conversation: core.ConversationRef{Source: req.Source, Conversation: req.Conversation, Thread: req.Thread},
		Sender:       req.Sender, Time: a.Now(), Text: req.Text, Command: command,
		Meta: map[string]any{"via": "api"},
	}
	ev.Raw, _ = json.Marshal(req)
	// Refused before the look-ups too: no store can even search for an
	// unstorable conversation id.
	if err := store.CheckEvent(ev); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	dec, links, err := a.decide(r.Context(), ev)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	accepted, err := a.Writer.Submit(r.Context(), []core.Event{ev})
	if err != nil {
		if store.Unstorable(err) {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeError(w, http.StatusServiceUnavailable, "could not store the request; retry")
		return
	}
	if accepted[0] {
		a.audit(r, "api.trigger", req.Source+"/"+req.Conversation, map[string]any{"event_id": ev.EventID, "decision": string(dec.Kind)})
	}
	respond(w, ev, accepted[0], dec, links)
}

func (a *API) commandFor(src string) string {
	if a.Rules == nil {
		return ""
	}
	for _, rt := range a.Rules.Routes() {
		r := rt.Config
		for _, s := range r.Sources {
			if s == src && r.Trigger.Command != "" {
				return r.Trigger.Command
			}
		}
	}
	return ""
}

func (a *API) deskShow(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	t, err := a.Store.DeskGet(r.Context(), key)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	cs, err := a.Store.DeskComments(r.Context(), key)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	if cs == nil {
		cs = []store.DeskComment{}
	}
	out := map[string]any{"ticket": t, "comments": cs}
	if q, ok := a.Store.(store.Quality); ok {
		// The ticket's satisfaction field, once the customer answered.
		if score, comment, err := q.DeskSatisfaction(r.Context(), key); err == nil && score > 0 {
			out["satisfaction"] = core.Satisfaction{Score: score, Comment: comment}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) desk() (*local.Desk, error) {
	if a.Desk == nil {
		return nil, errors.New("no local sink is configured")
	}
	return a.Desk, nil
}

func (a *API) deskComment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Author string `json:"author"`
		Body   string `json:"body"`
		Public *bool  `json:"public"`
	}
	if err := decode(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	d, err := a.desk()
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	public := req.Public == nil || *req.Public
	if req.Author == "" {
		req.Author = "agent"
	}
	c, err := d.AgentComment(r.Context(), r.PathValue("key"), req.Author, req.Body, public)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	a.audit(r, "desk.comment", r.PathValue("key"), map[string]any{"author": req.Author, "public": public})
	writeJSON(w, http.StatusCreated, c)
}

func (a *API) deskStatus(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Status string `json:"status"`
	}
	if err := decode(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	d, err := a.desk()
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	prev, err := d.SetStatus(r.Context(), r.PathValue("key"), req.Status)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	a.audit(r, "desk.status", r.PathValue("key"), map[string]any{"from": prev, "to": req.Status})
	writeJSON(w, http.StatusOK, map[string]string{"previous": prev, "status": req.Status})
}

func (a *API) deskAssign(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Assignee string `json:"assignee"`
	}
	if err := decode(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	d, err := a.desk()
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	if err := d.Assign(r.Context(), r.PathValue("key"), req.Assignee); err != nil {
		writeStoreError(w, err)
		return
	}
	a.audit(r, "desk.assign", r.PathValue("key"), map[string]any{"assignee": req.Assignee})
	writeJSON(w, http.StatusOK, map[string]string{"assignee": strings.TrimSpace(req.Assignee)})
}

// deskPriority changes a desk ticket's priority as an agent; the SLA
// deadlines follow.
func (a *API) deskPriority(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Priority string `json:"priority"`
	}
	if err := decode(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	d, err := a.desk()
	if err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	prev, err := d.ChangePriority(r.Context(), r.PathValue("key"), req.Priority)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	p := strings.TrimSpace(req.Priority)
	a.audit(r, "desk.priority", r.PathValue("key"), map[string]any{"from": prev, "to": p})
	writeJSON(w, http.StatusOK, map[string]string{"previous": prev, "priority": p})
}

func (a *API) replay(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "job id must be a number")
		return
	}
	if err := jobs.Replay(r.Context(), a.Queue, id); err != nil {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	a.audit(r, "dlq.replay", strconv.FormatInt(id, 10), nil)
	writeJSON(w, http.StatusOK, map[string]any{"replayed": id})
}

func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed body: %w", err)
	}
	return nil
}

func writeStoreError(w http.ResponseWriter, err error) {
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	if errors.Is(err, local.ErrInvalid) {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeError(w, http.StatusInternalServerError, err.Error())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
