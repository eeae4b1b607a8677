// Package zammadfake is a Zammad for tests: an httptest server speaking
// the REST endpoints the zammad sink uses (Token auth, tickets with a
// first article, guess: customers, tags, articles with base64
// attachments, states with Zammad's pending-time rule, search that may
// lag), Zammad's error bodies, fault injection, and trigger webhooks
// signed with X-Hub-Signature (HMAC-SHA1).
package zammadfake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
	"github.com/ticketbridge/ticketbridge/internal/sink/zammad"
)

// Users of the fake.
const (
	BotID   = 3
	AgentID = 4
)

// States are Zammad's stock ticket states.
var States = []zammad.State{
	{ID: 1, Name: "new", Active: true}, {ID: 2, Name: "open", Active: true}, {ID: 3, Name: "pending reminder", Active: true},
	{ID: 4, Name: "closed", Active: true}, {ID: 5, Name: "merged", Active: true}, {ID: 7, Name: "pending close", Active: true},
}

// Options configures a Server; zero values pick the defaults shown.
type Options struct {
	Token         string // default zammad-token
	WebhookSecret string // default zammad-hook
	Group         string // the one group; default Users
	// SearchLags makes search find nothing, as before indexing.
	SearchLags bool
	// MaxRequestBytes refuses bigger bodies with 413; 0: 1 MiB.
	MaxRequestBytes int64
}

// Ticket is a ticket the server holds.
type Ticket struct {
	zammad.Ticket
	Customer string
	Articles []Article
}

// Article is an article with its decoded attachments' sizes.
type Article struct {
	zammad.Article
	Files map[string]int
}

// Server is a running fake Zammad.
type Server struct {
	t    *testing.T
	srv  *httptest.Server
	opts Options

	mu        sync.Mutex
	tickets   []*Ticket
	articleID int
	faults    sinktest.Faults
	loseNext  bool
	// loseArticle stores the next article and answers 502.
	loseArticle bool
}

// New starts a server, closed when the test ends.
func New(t *testing.T, o Options) *Server {
	t.Helper()
	if o.Token == "" {
		o.Token = "zammad-token"
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = "zammad-hook"
	}
	if o.Group == "" {
		o.Group = "Users"
	}
	if o.MaxRequestBytes == 0 {
		o.MaxRequestBytes = 1 << 20
	}
	s := &Server{t: t, opts: o}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the site's URL.
func (s *Server) URL() string { return s.srv.URL }

// Options returns the options in effect.
func (s *Server) Options() Options { return s.opts }

// Tickets returns a copy of the tickets.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, len(s.tickets))
	for i, tk := range s.tickets {
		out[i] = *tk
		out[i].Articles = slices.Clone(tk.Articles)
		out[i].Tags = slices.Clone(tk.Tags)
	}
	return out
}

// FailNextOn answers the next request with method and path with status.
func (s *Server) FailNextOn(method, path string, status int, h http.Header) {
	s.faults.Add(sinktest.Fault{Method: method, Path: path, Status: status, Header: h})
}

// LoseNextArticle stores the next article and answers 502, as the proxy
// in front of Zammad does when its answer is lost.
func (s *Server) LoseNextArticle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseArticle = true
}

// LoseNextCreate makes the next ticket and drops the connection.
func (s *Server) LoseNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNext = true
}

// SendArticle adds an article and delivers the trigger's webhook.
func (s *Server) SendArticle(ctx context.Context, bridgeURL, sinkID string, ticket int, body string, internal bool, sender string, by int) (*http.Response, error) {
	s.mu.Lock()
	tk := s.find(ticket)
	if tk == nil {
		s.mu.Unlock()
		s.t.Fatalf("zammadfake: no ticket %d", ticket)
	}
	a := s.article(tk, body, internal, sender, by)
	payload := map[string]any{"ticket": s.hookTicket(tk), "article": map[string]any{
		"id": a.ID, "body": body, "internal": internal, "sender": sender, "created_by_id": by,
		"created_by": map[string]string{"login": fmt.Sprintf("user%d", by), "firstname": "Agent", "lastname": strconv.Itoa(by)},
	}}
	s.mu.Unlock()
	return s.Deliver(ctx, bridgeURL, sinkID, payload)
}

// SendState sets a ticket's state and delivers the webhook (no article).
func (s *Server) SendState(ctx context.Context, bridgeURL, sinkID string, ticket int, state string) (*http.Response, error) {
	s.mu.Lock()
	tk := s.find(ticket)
	if tk == nil {
		s.mu.Unlock()
		s.t.Fatalf("zammadfake: no ticket %d", ticket)
	}
	tk.State = state
	payload := map[string]any{"ticket": s.hookTicket(tk)}
	s.mu.Unlock()
	return s.Deliver(ctx, bridgeURL, sinkID, payload)
}

func (s *Server) hookTicket(tk *Ticket) map[string]any {
	return map[string]any{"id": tk.ID, "number": tk.Number, "title": tk.Title, "state": tk.State, "tags": tk.Tags}
}

// Deliver posts a signed webhook.
func (s *Server) Deliver(ctx context.Context, bridgeURL, sinkID string, payload any) (*http.Response, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, bridgeURL+"/hooks/tickets/"+sinkID, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(zammad.HeaderSignature, zammad.Sign(s.opts.WebhookSecret, data))
	req.Header.Set(zammad.HeaderDelivery, hex.EncodeToString(b))
	req.Header.Set(zammad.HeaderTrigger, "ticketbridge")
	return http.DefaultClient.Do(req)
}

func (s *Server) find(id int) *Ticket {
	if id < 1 || id > len(s.tickets) {
		return nil
	}
	return s.tickets[id-1]
}

func (s *Server) article(tk *Ticket, body string, internal bool, sender string, by int) zammad.Article {
	s.articleID++
	a := zammad.Article{ID: s.articleID, TicketID: tk.ID, Body: body, Internal: internal, Type: "note", Sender: sender, CreatedByID: by}
	tk.Articles = append(tk.Articles, Article{Article: a, Files: map[string]int{}})
	return a
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func zerror(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg, "error_human": msg})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.faults.Serve(w, r.Method, r.URL.Path) {
		return
	}
	if r.Header.Get("Authorization") != "Token token="+s.opts.Token {
		zerror(w, http.StatusUnauthorized, "Authentication failed")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.opts.MaxRequestBytes+1))
	if err != nil || int64(len(body)) > s.opts.MaxRequestBytes {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch p := r.URL.Path; {
	case r.Method == "GET" && p == "/api/v1/users/me":
		writeJSON(w, 200, zammad.User{ID: BotID, Login: "ticketbridge", Email: "bot@example.com"})
	case r.Method == "GET" && p == "/api/v1/groups":
		writeJSON(w, 200, []map[string]any{{"id": 1, "name": s.opts.Group}})
	case r.Method == "GET" && p == "/api/v1/ticket_states":
		writeJSON(w, 200, States)
	case r.Method == "POST" && p == "/api/v1/tickets":
		s.create(w, body)
	case r.Method == "GET" && p == "/api/v1/tickets/search":
		out := []zammad.Ticket{}
		tag := strings.Trim(strings.TrimPrefix(q.Get("query"), "tags:"), `"`)
		for _, tk := range s.tickets {
			if !s.opts.SearchLags && slices.Contains(tk.Tags, tag) {
				out = append(out, tk.Ticket)
			}
		}
		writeJSON(w, 200, out)
	case r.Method == "GET" && p == "/api/v1/tickets":
		out := []zammad.Ticket{}
		for i := len(s.tickets) - 1; i >= 0; i-- {
			t := s.tickets[i].Ticket
			t.Tags = nil // the list does not carry tags
			out = append(out, t)
		}
		writeJSON(w, 200, out)
	case r.Method == "GET" && p == "/api/v1/tags":
		id, _ := strconv.Atoi(q.Get("o_id"))
		tk := s.find(id)
		if q.Get("object") != "Ticket" || tk == nil {
			zerror(w, http.StatusNotFound, "Not found")
			return
		}
		writeJSON(w, 200, map[string]any{"tags": tk.Tags})
	case r.Method == "POST" && p == "/api/v1/ticket_articles":
		s.addArticle(w, body)
	case r.Method == "GET" && strings.HasPrefix(p, "/api/v1/ticket_articles/by_ticket/"):
		id, _ := strconv.Atoi(strings.TrimPrefix(p, "/api/v1/ticket_articles/by_ticket/"))
		tk := s.find(id)
		if tk == nil {
			zerror(w, http.StatusNotFound, "Not found")
			return
		}
		out := make([]zammad.Article, len(tk.Articles))
		for i, a := range tk.Articles {
			out[i] = a.Article
		}
		writeJSON(w, 200, out)
	case strings.HasPrefix(p, "/api/v1/tickets/"):
		id, _ := strconv.Atoi(strings.TrimPrefix(p, "/api/v1/tickets/"))
		tk := s.find(id)
		if tk == nil {
			zerror(w, http.StatusNotFound, "Not found")
			return
		}
		if r.Method == "PUT" {
			s.update(w, tk, body)
			return
		}
		writeJSON(w, 200, tk.Ticket)
	default:
		zerror(w, http.StatusNotFound, "No route matches")
	}
}

func (s *Server) create(w http.ResponseWriter, body []byte) {
	var in struct {
		Title      string         `json:"title"`
		Group      string         `json:"group"`
		CustomerID string         `json:"customer_id"`
		PriorityID int            `json:"priority_id"`
		Tags       string         `json:"tags"`
		Article    map[string]any `json:"article"`
	}
	if json.Unmarshal(body, &in) != nil {
		zerror(w, http.StatusUnprocessableEntity, "Invalid JSON")
		return
	}
	email, guess := strings.CutPrefix(in.CustomerID, "guess:")
	switch {
	case strings.TrimSpace(in.Title) == "":
		zerror(w, http.StatusUnprocessableEntity, "Title can't be blank")
		return
	case in.Group != s.opts.Group:
		zerror(w, http.StatusUnprocessableEntity, "No lookup value found for 'group': "+strconv.Quote(in.Group))
		return
	case !guess || !strings.Contains(email, "@"):
		zerror(w, http.StatusUnprocessableEntity, "No lookup value found for 'customer'")
		return
	}
	n := len(s.tickets) + 1
	tk := &Ticket{Ticket: zammad.Ticket{ID: n, Number: strconv.Itoa(31000 + n), Title: in.Title, GroupID: 1, StateID: 1, State: "new",
		PriorityID: max(in.PriorityID, 2), CreatedByID: BotID}, Customer: email}
	for _, t := range strings.Split(in.Tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tk.Tags = append(tk.Tags, t)
		}
	}
	s.tickets = append(s.tickets, tk)
	if b, _ := in.Article["body"].(string); b != "" {
		internal, _ := in.Article["internal"].(bool)
		s.article(tk, b, internal, "Agent", BotID)
	}
	if s.loseNext {
		s.loseNext = false
		panic(http.ErrAbortHandler)
	}
	writeJSON(w, http.StatusCreated, tk.Ticket)
}

func (s *Server) update(w http.ResponseWriter, tk *Ticket, body []byte) {
	var in struct {
		State       string `json:"state"`
		PendingTime string `json:"pending_time"`
	}
	if json.Unmarshal(body, &in) != nil {
		zerror(w, http.StatusUnprocessableEntity, "Invalid JSON")
		return
	}
	if in.State != "" {
		i := slices.IndexFunc(States, func(st zammad.State) bool { return st.Name == in.State })
		if i < 0 {
			zerror(w, http.StatusUnprocessableEntity, "No lookup value found for 'state': "+strconv.Quote(in.State))
			return
		}
		if strings.HasPrefix(in.State, "pending") && in.PendingTime == "" {
			zerror(w, http.StatusUnprocessableEntity, "Missing required value for field 'pending_time'!")
			return
		}
		tk.State, tk.StateID = in.State, States[i].ID
	}
	out := tk.Ticket
	out.State = "" // the answer to PUT carries ids, not names
	writeJSON(w, 200, out)
}

func (s *Server) addArticle(w http.ResponseWriter, body []byte) {
	var in struct {
		TicketID    int    `json:"ticket_id"`
		Body        string `json:"body"`
		Internal    bool   `json:"internal"`
		Sender      string `json:"sender"`
		Attachments []struct {
			Filename string `json:"filename"`
			Data     string `json:"data"`
			MimeType string `json:"mime-type"`
		} `json:"attachments"`
	}
	if json.Unmarshal(body, &in) != nil {
		zerror(w, http.StatusUnprocessableEntity, "Invalid JSON")
		return
	}
	tk := s.find(in.TicketID)
	if tk == nil || strings.TrimSpace(in.Body) == "" {
		zerror(w, http.StatusUnprocessableEntity, "Body can't be blank")
		return
	}
	a := s.article(tk, in.Body, in.Internal, in.Sender, BotID)
	files := tk.Articles[len(tk.Articles)-1].Files
	for _, f := range in.Attachments {
		data, err := base64.StdEncoding.DecodeString(f.Data)
		if err != nil {
			zerror(w, http.StatusUnprocessableEntity, "Invalid base64 for "+f.Filename)
			return
		}
		files[f.Filename] = len(data)
		a.Attachments = append(a.Attachments, zammad.ArticleAttachment{ID: s.articleID*100 + len(a.Attachments) + 1, Filename: f.Filename, Size: strconv.Itoa(len(data))})
	}
	tk.Articles[len(tk.Articles)-1].Article = a
	if s.loseArticle {
		s.loseArticle = false
		zerror(w, http.StatusBadGateway, "Bad Gateway")
		return
	}
	writeJSON(w, http.StatusCreated, a)
}
