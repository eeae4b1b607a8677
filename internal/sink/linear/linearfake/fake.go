// Package linearfake is Linear for tests: an httptest server answering
// the GraphQL operations the linear sink sends (by operation name), with
// Linear's error shapes (AUTHENTICATION_ERROR, RATELIMITED with
// X-RateLimit-Requests-Reset, "Entity not found"), client-chosen issue
// ids, a team with the stock workflow states, a signed-URL file store,
// and webhooks signed with Linear-Signature.
package linearfake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/linear"
)

// Fixed ids of the fake.
const (
	TeamID   = "6b1c1f6e-1f0e-4c59-9a43-3f0c3a7f1e01"
	ViewerID = "0d3f3b9e-6a55-4f0e-b7b8-9a1b2c3d4e5f"
	AgentID  = "7e2a9c44-2b1d-4e3f-8a9b-0c1d2e3f4a5b"
)

// States are the team's workflow states, in position order.
var States = []linear.State{
	{ID: "s-triage", Name: "Triage", Type: "triage"}, {ID: "s-backlog", Name: "Backlog", Type: "backlog"},
	{ID: "s-todo", Name: "Todo", Type: "unstarted"}, {ID: "s-progress", Name: "In Progress", Type: "started"},
	{ID: "s-done", Name: "Done", Type: "completed"}, {ID: "s-canceled", Name: "Canceled", Type: "canceled"},
}

// Options configures a Server; zero values pick the defaults shown.
type Options struct {
	APIKey        string // default lin_api_test
	WebhookSecret string // default lin_wh_test
	// MaxFileBytes makes bigger stored files fail as the storage does; 0: 1 MiB.
	MaxFileBytes int64
	// Now is the webhook clock; default time.Now.
	Now func() time.Time
}

// Issue is an issue the server holds.
type Issue struct {
	linear.Issue
	Priority    int
	LabelIDs    []string
	Comments    []string
	Attachments []Attachment
}

// Attachment is a file attached to an issue.
type Attachment struct {
	Title, URL string
	Size       int64
}

type fault struct {
	op, code string
	status   int
	header   http.Header
}

// Server is a running fake Linear.
type Server struct {
	t    *testing.T
	srv  *httptest.Server
	opts Options

	mu       sync.Mutex
	issues   []*Issue
	files    map[string]int64 // asset URL → size stored
	faults   []fault
	loseNext bool
	// loseComment stores the next comment and drops the connection.
	loseComment bool
	comments    map[string]string // comment id → issue id
	// loseAttachment stores the next attachment and drops the connection.
	loseAttachment bool
	attachments    map[string]string // attachment id → issue id
	ops            []string
}

// New starts a server, closed when the test ends.
func New(t *testing.T, o Options) *Server {
	t.Helper()
	if o.APIKey == "" {
		o.APIKey = "lin_api_test"
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = "lin_wh_test"
	}
	if o.MaxFileBytes == 0 {
		o.MaxFileBytes = 1 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{t: t, opts: o, files: map[string]int64{}, comments: map[string]string{}, attachments: map[string]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the GraphQL endpoint.
func (s *Server) URL() string { return s.srv.URL + "/graphql" }

// Options returns the options in effect.
func (s *Server) Options() Options { return s.opts }

// Issues returns a copy of the issues.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues))
	for i, is := range s.issues {
		out[i] = *is
		out[i].Comments = slices.Clone(is.Comments)
		out[i].Attachments = slices.Clone(is.Attachments)
	}
	return out
}

// Ops lists the operation names received, in order.
func (s *Server) Ops() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ops)
}

// FailNextOp answers the next operation op with a GraphQL error of code
// and HTTP status.
func (s *Server) FailNextOp(op, code string, status int, h http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{op, code, status, h})
}

// LoseNextAttachment stores the next attachment and drops the connection.
func (s *Server) LoseNextAttachment() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseAttachment = true
}

// LoseNextComment stores the next comment and drops the connection.
func (s *Server) LoseNextComment() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseComment = true
}

// LoseNextCreate makes the next issue and drops the connection.
func (s *Server) LoseNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNext = true
}

// SendComment adds a comment by actor and delivers its webhook.
func (s *Server) SendComment(ctx context.Context, bridgeURL, sinkID, issueID, body, actor string) (*http.Response, error) {
	s.mu.Lock()
	is := s.find(issueID)
	if is == nil {
		s.mu.Unlock()
		s.t.Fatalf("linearfake: no issue %s", issueID)
	}
	is.Comments = append(is.Comments, body)
	data := map[string]any{"id": fmt.Sprintf("c-%d", len(is.Comments)), "body": body, "issueId": issueID, "userId": actor,
		"user": map[string]string{"id": actor, "name": "Agent"}, "issue": map[string]string{"id": issueID, "title": is.Title, "url": is.URL}}
	s.mu.Unlock()
	return s.Deliver(ctx, bridgeURL, sinkID, s.webhook("create", "Comment", data, nil, actor))
}

// SendState moves an issue to the named state as actor and delivers the
// Issue update webhook.
func (s *Server) SendState(ctx context.Context, bridgeURL, sinkID, issueID, state, actor string) (*http.Response, error) {
	s.mu.Lock()
	is := s.find(issueID)
	i := slices.IndexFunc(States, func(st linear.State) bool { return st.Name == state })
	if is == nil || i < 0 {
		s.mu.Unlock()
		s.t.Fatalf("linearfake: no issue %s or state %s", issueID, state)
	}
	from := is.State.ID
	is.State = States[i]
	data := map[string]any{"id": is.ID, "identifier": is.Identifier, "title": is.Title, "url": is.URL,
		"description": is.Description, "stateId": is.State.ID, "state": is.State}
	s.mu.Unlock()
	return s.Deliver(ctx, bridgeURL, sinkID, s.webhook("update", "Issue", data, map[string]any{"stateId": from}, actor))
}

func (s *Server) webhook(action, typ string, data, from map[string]any, actor string) map[string]any {
	return map[string]any{"action": action, "type": typ, "data": data, "updatedFrom": from,
		"actor":            map[string]string{"id": actor, "name": "Agent", "type": "user"},
		"webhookTimestamp": s.opts.Now().UnixMilli(), "webhookId": "wh-1", "url": "https://linear.app/acme"}
}

// Deliver posts a signed webhook body.
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
	req.Header.Set(linear.HeaderSignature, linear.Sign(s.opts.WebhookSecret, data))
	req.Header.Set(linear.HeaderDelivery, hex.EncodeToString(b))
	req.Header.Set(linear.HeaderEvent, "Issue")
	return http.DefaultClient.Do(req)
}

func (s *Server) find(id string) *Issue {
	for _, is := range s.issues {
		if is.ID == id {
			return is
		}
	}
	return nil
}

func graphQLError(w http.ResponseWriter, status int, code, msg string, h http.Header) {
	for k, v := range h {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": msg, "extensions": map[string]string{"code": code}}}})
}

func data(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": v})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/storage/") {
		s.store(w, r)
		return
	}
	if r.URL.Path != "/graphql" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	var req linear.Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		graphQLError(w, 400, "GRAPHQL_PARSE_FAILED", "body is not JSON", nil)
		return
	}
	s.mu.Lock()
	s.ops = append(s.ops, req.OperationName)
	for i, f := range s.faults {
		if f.op == req.OperationName {
			s.faults = slices.Delete(s.faults, i, i+1)
			s.mu.Unlock()
			graphQLError(w, f.status, f.code, "fault injected", f.header)
			return
		}
	}
	s.mu.Unlock()
	if r.Header.Get("Authorization") != s.opts.APIKey {
		graphQLError(w, 400, "AUTHENTICATION_ERROR", "Authentication required, not authenticated", nil)
		return
	}
	s.operation(w, req)
}
