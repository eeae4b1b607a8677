// Package zendeskfake is a Zendesk Support account for tests: it serves
// the parts of the REST API the zendesk sink uses (tickets, search by
// external id, uploads, ticket fields, users/me, groups, brands, the
// incremental export) with Zendesk's auth and error bodies, can be made to
// fail, and sends trigger webhooks signed the way Zendesk signs them.
package zendeskfake

import (
	"encoding/base64"
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
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/zendesk"
)

// Defaults for Options left empty.
const (
	DefaultEmail         = "bridge@acme.example"
	DefaultToken         = "tok_0123456789abcdef"
	DefaultWebhookSecret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
	DefaultUserID        = 9001
)

// Options configures a Server.
type Options struct {
	Email, Token, WebhookSecret string
	// Me is the API user /users/me answers with; default an admin with
	// id DefaultUserID.
	Me *zendesk.User
	// Fields is what /ticket_fields.json lists; default DefaultFields().
	Fields []zendesk.TicketField
	// Groups and Brands are the ids that exist.
	Groups, Brands []int64
	// MaxUploadBytes refuses bigger uploads with 413; default 50 MiB.
	MaxUploadBytes int64
	// PageSize of the incremental export; default 100.
	PageSize int
	// Now stamps webhooks and tickets; default time.Now.
	Now func() time.Time
}

// Comment is a comment on a fake ticket.
type Comment struct {
	// ID is given by the fake when the comment is stored.
	ID       int64
	Body     string
	Public   bool
	AuthorID int64
	Uploads  []string
}

// Ticket is a ticket the fake holds.
type Ticket struct {
	zendesk.Ticket
	// Create is what the creation request carried.
	Create   zendesk.NewTicket
	Comments []Comment
	seq      int
}

// Request is one API request the fake received (auth failures included).
type Request struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
	// At is when it arrived.
	At time.Time
}

// UploadInfo is one file received on /uploads.json.
type UploadInfo struct {
	Token, Name, ContentType string
	Size                     int64
	// Chunked is true when the body came without a Content-Length.
	Chunked bool
}

// Server is the fake account.
type Server struct {
	srv *httptest.Server
	o   Options

	mu         sync.Mutex
	tickets    []*Ticket
	idem       map[string]int64
	uploads    []UploadInfo
	requests   []Request
	seq        int
	failN      int
	failPrefix string
	failStatus int
	failRetry  string
	loseCreate bool
	// loseComment stores the next comment and answers 502.
	loseComment bool
	commentSeq  int64
}

// DefaultFields is a small, valid ticket-field list: the system fields
// and two active optional custom fields, 360001 and 360002.
func DefaultFields() []zendesk.TicketField {
	prio := zendesk.TicketField{ID: 11, Type: "priority", Title: "Priority", Active: true}
	for _, p := range zendesk.Priorities {
		prio.SystemFieldOptions = append(prio.SystemFieldOptions, struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		}{Name: strings.ToUpper(p[:1]) + p[1:], Value: p})
	}
	return []zendesk.TicketField{
		{ID: 1, Type: "subject", Title: "Subject", Active: true, Required: true, RequiredInPortal: true},
		{ID: 2, Type: "description", Title: "Description", Active: true, Required: true, RequiredInPortal: true},
		{ID: 3, Type: "status", Title: "Status", Active: true},
		prio,
		{ID: 360001, Type: "text", Title: "Plan", Active: true, Removable: true},
		{ID: 360002, Type: "text", Title: "Order number", Active: true, Removable: true},
	}
}

// New starts a fake account that closes with the test.
func New(tb testing.TB, o Options) *Server {
	tb.Helper()
	if o.Email == "" {
		o.Email = DefaultEmail
	}
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = DefaultWebhookSecret
	}
	if o.Me == nil {
		o.Me = &zendesk.User{ID: DefaultUserID, Name: "ticketbridge", Email: o.Email, Role: "admin"}
	}
	if o.Fields == nil {
		o.Fields = DefaultFields()
	}
	if o.MaxUploadBytes == 0 {
		o.MaxUploadBytes = zendesk.DefaultMaxAttachmentBytes
	}
	if o.PageSize == 0 {
		o.PageSize = 100
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{o: o, idem: map[string]int64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v2/tickets.json", s.create)
	mux.HandleFunc("GET /api/v2/tickets.json", s.list)
	mux.HandleFunc("GET /api/v2/tickets/{id}", s.show)
	mux.HandleFunc("PUT /api/v2/tickets/{id}", s.update)
	mux.HandleFunc("GET /api/v2/tickets/{id}/comments.json", s.comments)
	mux.HandleFunc("POST /api/v2/uploads.json", s.upload)
	mux.HandleFunc("GET /api/v2/ticket_fields.json", s.fields)
	mux.HandleFunc("GET /api/v2/users/me.json", s.me)
	mux.HandleFunc("GET /api/v2/groups/{id}", s.exists(func() []int64 { return s.o.Groups }))
	mux.HandleFunc("GET /api/v2/brands/{id}", s.exists(func() []int64 { return s.o.Brands }))
	mux.HandleFunc("GET /api/v2/incremental/tickets/cursor.json", s.export)
	s.srv = httptest.NewServer(s.guard(mux))
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the account's address (the sink's url setting).
func (s *Server) URL() string { return s.srv.URL }

// Email, Token and WebhookSecret are the credentials the fake expects.
func (s *Server) Email() string         { return s.o.Email }
func (s *Server) Token() string         { return s.o.Token }
func (s *Server) WebhookSecret() string { return s.o.WebhookSecret }

// UserID is the API user's id (the sink's integration_user_id).
func (s *Server) UserID() int64 { return s.o.Me.ID }

// FailNext answers the next n API requests with status (and Retry-After
// when retryAfter is not empty) and Zendesk's error body for it.
func (s *Server) FailNext(n, status int, retryAfter string) {
	s.FailNextOn("/", n, status, retryAfter)
}

// FailNextOn is FailNext for requests whose path starts with prefix only
// ("/api/v2/tickets" leaves start-up metadata reads alone).
func (s *Server) FailNextOn(prefix string, n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failPrefix, s.failStatus, s.failRetry = n, prefix, status, retryAfter
}

// LoseNextCreate stores the next created ticket and then hangs up without
// an answer, as a connection dropped mid-answer would.
func (s *Server) LoseNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseCreate = true
}

// Requests lists the API requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Tickets lists copies of the tickets, oldest first.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, len(s.tickets))
	for i, t := range s.tickets {
		out[i] = copyTicket(t)
	}
	return out
}

// Ticket returns a copy of one ticket.
func (s *Server) Ticket(id int64) (Ticket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.find(id); t != nil {
		return copyTicket(t), true
	}
	return Ticket{}, false
}

// CountExternal counts the tickets carrying an external id.
func (s *Server) CountExternal(ext string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.tickets {
		if t.ExternalID == ext {
			n++
		}
	}
	return n
}

// Uploads lists the files received.
func (s *Server) Uploads() []UploadInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.uploads)
}

// SetStatus changes a ticket's status as an agent would (no webhook).
func (s *Server) SetStatus(id int64, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.find(id)
	if t == nil {
		return false
	}
	t.Status = status
	s.touch(t)
	return true
}

// AddComment adds an agent's comment or internal note (no webhook).
func (s *Server) AddComment(id int64, c Comment) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.find(id)
	if t == nil {
		return false
	}
	s.addComment(t, c)
	s.touch(t)
	return true
}

// addComment stores c on t with the next comment id.
func (s *Server) addComment(t *Ticket, c Comment) {
	s.commentSeq++
	c.ID = s.commentSeq
	t.Comments = append(t.Comments, c)
}

// LoseNextComment stores the next comment and then answers 502, as a
// proxy does when the account's answer is lost on the way.
func (s *Server) LoseNextComment() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseComment = true
}

func copyTicket(t *Ticket) Ticket {
	c := *t
	c.Comments = slices.Clone(t.Comments)
	c.Tags = slices.Clone(t.Tags)
	return c
}

// find needs s.mu.
func (s *Server) find(id int64) *Ticket {
	for _, t := range s.tickets {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// touch records a change for the incremental export; needs s.mu.
func (s *Server) touch(t *Ticket) {
	s.seq++
	t.seq = s.seq
	t.UpdatedAt = s.o.Now().UTC().Format(time.RFC3339)
}

// guard records every request, checks Basic auth and injects failures.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.URL.Path != "/api/v2/uploads.json" {
			body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
			r.Body = io.NopCloser(strings.NewReader(string(body)))
		}
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, At: time.Now()})
		fail := s.failN > 0 && strings.HasPrefix(r.URL.Path, s.failPrefix)
		status, retry := s.failStatus, s.failRetry
		if fail {
			s.failN--
		}
		s.mu.Unlock()
		if !s.authorized(r) {
			writeError(w, http.StatusUnauthorized, "")
			return
		}
		if fail {
			if retry != "" {
				w.Header().Set("Retry-After", retry)
			}
			writeError(w, status, fmt.Sprintf("injected failure %d", status))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic ")
	if !ok {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(v)
	return err == nil && string(b) == s.o.Email+"/token:"+s.o.Token
}

// writeError answers with the body Zendesk sends for status.
func writeError(w http.ResponseWriter, status int, detail string) {
	var body any
	switch status {
	case http.StatusUnauthorized:
		body = map[string]string{"error": "Couldn't authenticate you"}
	case http.StatusForbidden:
		body = map[string]string{"error": "Forbidden", "description": "You do not have access to this page. Please contact the account owner of this help desk for further help."}
	case http.StatusNotFound:
		body = map[string]string{"error": "RecordNotFound", "description": "Not found"}
	case http.StatusConflict:
		body = map[string]string{"error": "Conflict", "description": "The ticket was changed by another request at the same time"}
	case http.StatusRequestEntityTooLarge:
		body = map[string]string{"error": "FileTooLarge", "description": "File size exceeds the maximum allowed"}
	case http.StatusTooManyRequests:
		body = map[string]string{"error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"}
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		if detail == "" {
			detail = "is invalid"
		}
		body = recordInvalid("base", detail)
	default:
		body = map[string]string{"error": http.StatusText(status), "description": detail}
	}
	writeJSON(w, status, body)
}

func recordInvalid(field, description string) any {
	return map[string]any{
		"error":       "RecordInvalid",
		"description": "Record validation errors",
		"details":     map[string]any{field: []map[string]string{{"description": description, "error": "InvalidValue"}}},
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func pathID(r *http.Request) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSuffix(r.PathValue("id"), ".json"), 10, 64)
	return n, err == nil && n > 0
}
