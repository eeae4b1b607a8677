// Package freshdeskfake is a Freshdesk helpdesk for tests: an httptest
// server speaking the API v2 endpoints the freshdesk sink uses (Basic
// auth with the API key, tickets with numeric statuses and priorities,
// the tickets list with tags, notes and replies, multipart attachments),
// Freshdesk's validation errors and 429 with Retry-After, and automation
// webhooks sent with a shared header.
package freshdeskfake

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/freshdesk"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
)

// Options configures a Server; zero values pick the defaults shown.
type Options struct {
	APIKey       string // default fd-key
	WebhookToken string // default fd-webhook-token-0123
	// MaxRequestBytes refuses bigger bodies with 413; 0: 20 MB.
	MaxRequestBytes int64
}

// Ticket is a ticket the server holds.
type Ticket struct {
	ID          int64
	Subject     string
	Description string
	Email       string
	Status      int
	Priority    int
	Source      int
	Tags        []string
	Custom      map[string]any
	GroupID     int64
	Notes       []Note
	UpdatedAt   time.Time
}

// Note is a note or reply.
type Note struct {
	Body    string
	Private bool
	Reply   bool
	Files   map[string]int64
}

// Server is a running fake Freshdesk.
type Server struct {
	t    *testing.T
	srv  *httptest.Server
	opts Options

	mu       sync.Mutex
	tickets  []*Ticket
	faults   sinktest.Faults
	loseNext bool
	// loseNote stores the next note or reply and answers 502.
	loseNote bool
}

// New starts a server, closed when the test ends.
func New(t *testing.T, o Options) *Server {
	t.Helper()
	if o.APIKey == "" {
		o.APIKey = "fd-key"
	}
	if o.WebhookToken == "" {
		o.WebhookToken = "fd-webhook-token-0123"
	}
	if o.MaxRequestBytes == 0 {
		o.MaxRequestBytes = 20 << 20
	}
	s := &Server{t: t, opts: o}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the helpdesk's URL.
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
		out[i].Notes = slices.Clone(tk.Notes)
	}
	return out
}

// FailNextOn answers the next request with method and path (after
// /api/v2) with status and header.
func (s *Server) FailNextOn(method, path string, status int, h http.Header) {
	s.faults.Add(sinktest.Fault{Method: method, Path: path, Status: status, Header: h})
}

// LoseNextNote stores the next note or reply and answers 502, as the
// proxy in front of Freshdesk does when its answer is lost.
func (s *Server) LoseNextNote() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNote = true
}

// LoseNextCreate makes the next ticket and drops the connection.
func (s *Server) LoseNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNext = true
}

// SendComment adds a note and fires the "comment" rule's webhook.
func (s *Server) SendComment(ctx context.Context, bridgeURL, sinkID string, id int64, text string, private bool) (*http.Response, error) {
	s.mu.Lock()
	tk := s.find(id)
	tk.Notes = append(tk.Notes, Note{Body: text, Private: private})
	payload := map[string]any{"event": "comment", "ticket_id": id, "status": statusName(tk.Status), "comment": text,
		"private": private, "author": "Agent Smith", "tags": strings.Join(tk.Tags, ",")}
	s.mu.Unlock()
	return s.Deliver(ctx, bridgeURL, sinkID, payload)
}

// SendStatus sets the status and fires the "status" rule's webhook.
func (s *Server) SendStatus(ctx context.Context, bridgeURL, sinkID string, id int64, status int) (*http.Response, error) {
	s.mu.Lock()
	tk := s.find(id)
	tk.Status = status
	payload := map[string]any{"event": "status", "ticket_id": strconv.FormatInt(id, 10), "status": statusName(status), "tags": strings.Join(tk.Tags, ",")}
	s.mu.Unlock()
	return s.Deliver(ctx, bridgeURL, sinkID, payload)
}

// Deliver posts a webhook with the shared header.
func (s *Server) Deliver(ctx context.Context, bridgeURL, sinkID string, payload any) (*http.Response, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, bridgeURL+"/hooks/tickets/"+sinkID, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Ticketbridge-Token", s.opts.WebhookToken)
	return http.DefaultClient.Do(req)
}

func statusName(n int) string {
	return map[int]string{2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed"}[n]
}

func (s *Server) find(id int64) *Ticket {
	if id < 1 || id > int64(len(s.tickets)) {
		return nil
	}
	return s.tickets[id-1]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func invalid(w http.ResponseWriter, field, msg string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{"description": "Validation failed",
		"errors": []map[string]string{{"field": field, "message": msg, "code": "invalid_value"}}})
}

func (tk *Ticket) json() map[string]any {
	return map[string]any{"id": tk.ID, "subject": tk.Subject, "status": tk.Status, "priority": tk.Priority,
		"tags": tk.Tags, "group_id": tk.GroupID, "updated_at": tk.UpdatedAt.Format(time.RFC3339)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v2")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if s.faults.Serve(w, r.Method, path) {
		return
	}
	if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(s.opts.APIKey+":X")) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "invalid_credentials", "message": "You have to be logged in to perform this action."})
		return
	}
	if r.ContentLength > s.opts.MaxRequestBytes {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxRequestBytes)
	s.mu.Lock()
	defer s.mu.Unlock()
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case r.Method == "GET" && path == "/agents/me":
		writeJSON(w, 200, map[string]any{"id": 77, "contact": map[string]string{"email": "bot@example.com"}})
	case r.Method == "GET" && path == "/ticket_fields":
		writeJSON(w, 200, []map[string]any{{"name": "subject"}, {"name": "cf_chat_link"}})
	case r.Method == "POST" && path == "/tickets":
		s.create(w, r)
	case r.Method == "GET" && path == "/tickets":
		s.list(w, r)
	case len(parts) == 2 && parts[0] == "tickets":
		s.ticket(w, r, parts[1])
	case len(parts) == 3 && parts[0] == "tickets" && r.Method == "POST" && (parts[2] == "notes" || parts[2] == "reply"):
		s.note(w, r, parts[1], parts[2] == "reply")
	case len(parts) == 3 && parts[0] == "tickets" && r.Method == "GET" && parts[2] == "conversations":
		s.conversations(w, r, parts[1])
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "not_found"})
	}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Subject      string         `json:"subject"`
		Description  string         `json:"description"`
		Email        string         `json:"email"`
		Status       int            `json:"status"`
		Priority     int            `json:"priority"`
		Source       int            `json:"source"`
		Tags         []string       `json:"tags"`
		CustomFields map[string]any `json:"custom_fields"`
	}
	if json.NewDecoder(r.Body).Decode(&in) != nil {
		invalid(w, "body", "invalid JSON")
		return
	}
	switch {
	case !strings.Contains(in.Email, "@"):
		invalid(w, "email", "It should be a valid email address")
		return
	case in.Status < 2 || in.Status > 5:
		invalid(w, "status", "It should be one of these values: '2,3,4,5'")
		return
	case in.Priority < 1 || in.Priority > 4:
		invalid(w, "priority", "It should be one of these values: '1,2,3,4'")
		return
	}
	for k := range in.CustomFields {
		if k != "cf_chat_link" {
			invalid(w, k, "Unexpected/invalid field in request")
			return
		}
	}
	tk := &Ticket{ID: int64(len(s.tickets) + 1), Subject: in.Subject, Description: in.Description, Email: in.Email,
		Status: in.Status, Priority: in.Priority, Source: in.Source, Tags: in.Tags, Custom: in.CustomFields, UpdatedAt: time.Now()}
	s.tickets = append(s.tickets, tk)
	if s.loseNext {
		s.loseNext = false
		panic(http.ErrAbortHandler)
	}
	writeJSON(w, http.StatusCreated, tk.json())
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	since := time.Now().Add(-30 * 24 * time.Hour)
	if v := r.URL.Query().Get("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			invalid(w, "updated_since", "It should be in the 'valid date' format")
			return
		}
		since = t
	}
	out := []map[string]any{}
	for i := len(s.tickets) - 1; i >= 0; i-- {
		if tk := s.tickets[i]; tk.UpdatedAt.After(since) {
			out = append(out, tk.json())
		}
	}
	writeJSON(w, 200, out)
}

func (s *Server) ticket(w http.ResponseWriter, r *http.Request, idText string) {
	id, _ := strconv.ParseInt(idText, 10, 64)
	tk := s.find(id)
	if tk == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "not_found"})
		return
	}
	if r.Method == "PUT" {
		var in struct {
			Status  *int   `json:"status"`
			GroupID *int64 `json:"group_id"`
		}
		if json.NewDecoder(r.Body).Decode(&in) != nil || (in.Status == nil && in.GroupID == nil) ||
			(in.Status != nil && (*in.Status < 2 || *in.Status > 5)) {
			invalid(w, "status", "It should be one of these values: '2,3,4,5'")
			return
		}
		if in.GroupID != nil && *in.GroupID <= 0 {
			invalid(w, "group_id", "There is no group matching the given group_id")
			return
		}
		if in.Status != nil {
			tk.Status = *in.Status
		}
		if in.GroupID != nil {
			tk.GroupID = *in.GroupID
		}
		tk.UpdatedAt = time.Now()
	}
	writeJSON(w, 200, tk.json())
}

func (s *Server) note(w http.ResponseWriter, r *http.Request, idText string, reply bool) {
	id, _ := strconv.ParseInt(idText, 10, 64)
	tk := s.find(id)
	if tk == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "not_found"})
		return
	}
	n := Note{Reply: reply, Files: map[string]int64{}}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				w.WriteHeader(http.StatusRequestEntityTooLarge)
				return
			}
			switch p.FormName() {
			case "body":
				b, _ := io.ReadAll(p)
				n.Body = string(b)
			case "private":
				b, _ := io.ReadAll(p)
				n.Private = string(b) == "true"
			case "attachments[]":
				size, err := io.Copy(io.Discard, p)
				if err != nil {
					w.WriteHeader(http.StatusRequestEntityTooLarge)
					return
				}
				n.Files[p.FileName()] = size
			}
		}
	} else {
		var in struct {
			Body    string `json:"body"`
			Private bool   `json:"private"`
		}
		if json.NewDecoder(r.Body).Decode(&in) != nil {
			invalid(w, "body", "invalid JSON")
			return
		}
		n.Body, n.Private = in.Body, in.Private
	}
	if strings.TrimSpace(n.Body) == "" {
		invalid(w, "body", "It should not be blank as this is a mandatory field")
		return
	}
	tk.Notes = append(tk.Notes, n)
	tk.UpdatedAt = time.Now()
	if s.loseNote {
		s.loseNote = false
		writeJSON(w, http.StatusBadGateway, map[string]string{"code": "bad_gateway"})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": len(tk.Notes), "body": n.Body, "private": n.Private, "ticket_id": fmt.Sprint(id)})
}

// conversations lists a ticket's notes and replies as Freshdesk does:
// oldest first, page from 1, per_page up to 100 (default 30).
func (s *Server) conversations(w http.ResponseWriter, r *http.Request, idText string) {
	id, _ := strconv.ParseInt(idText, 10, 64)
	tk := s.find(id)
	if tk == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "not_found"})
		return
	}
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per <= 0 {
		per = 30
	}
	if per > 100 {
		invalid(w, "per_page", "It should be a Positive Number less than or equal to 100")
		return
	}
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	out := []freshdesk.Conversation{}
	for i := (page - 1) * per; i < len(tk.Notes) && i < page*per; i++ {
		n := tk.Notes[i]
		c := freshdesk.Conversation{ID: int64(i + 1), Body: n.Body, BodyText: textOf(n.Body), Private: n.Private, TicketID: id}
		for name, size := range n.Files {
			c.Attachments = append(c.Attachments, freshdesk.ConversationFile{Name: name, Size: size})
		}
		out = append(out, c)
	}
	writeJSON(w, 200, out)
}

// textOf is body_text: the HTML with its line breaks kept and its tags
// and entities undone.
func textOf(body string) string {
	body = strings.NewReplacer("<br>", "\n", "</div>", "\n", "</p>", "\n").Replace(body)
	return strings.TrimSpace(html.UnescapeString(tagRE.ReplaceAllString(body, "")))
}

var tagRE = regexp.MustCompile(`<[^>]*>`)
