// Package redminefake is a Redmine for tests: an httptest server speaking
// the parts of the REST API the redmine sink uses, with
// X-Redmine-API-Key auth, Redmine's 401/404 and 422 {"errors": […]}
// answers, the stock statuses, a workflow that silently keeps the status
// when a user's role may not change it, the uploads-token flow, and fault
// injection.
package redminefake

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/redmine"
)

// Users of the fake; their API keys are Key(user).
var (
	Admin    = redmine.IDName{ID: 1, Name: "Redmine Admin"}
	Agent    = redmine.IDName{ID: 5, Name: "Agent Test"}
	Reporter = redmine.IDName{ID: 6, Name: "Reporter Test"}
)

// Key is a user's API key.
func Key(u redmine.IDName) string {
	return map[int]string{1: "admin-key", 5: "agent-key", 6: "reporter-key"}[u.ID]
}

// Project is the fake's one project identifier.
const Project = "ops"

// Stock statuses, as Redmine's default data has them.
var Statuses = []redmine.Status{
	{ID: 1, Name: "New"}, {ID: 2, Name: "In Progress"}, {ID: 3, Name: "Resolved"},
	{ID: 4, Name: "Feedback"}, {ID: 5, Name: "Closed", IsClosed: true}, {ID: 6, Name: "Rejected", IsClosed: true},
}

// Options configures a Server; zero values pick the defaults shown.
type Options struct {
	// MaxUploadBytes makes bigger uploads fail with Redmine's 422; 0:
	// 5120 KB, Redmine's default.
	MaxUploadBytes int64
	// Now is the server's clock; default time.Now.
	Now func() time.Time
}

// Issue is an issue the server holds.
type Issue struct {
	redmine.Issue
	Updated time.Time
}

// Request is one request the server received.
type Request struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte // JSON bodies only
	Time                time.Time
}

type fault struct {
	method, path string
	status       int
	header       http.Header
}

// Server is a running fake Redmine.
type Server struct {
	t    *testing.T
	srv  *httptest.Server
	opts Options

	mu        sync.Mutex
	issues    []*Issue
	uploads   map[string]redmine.Attached
	journalID int
	requests  []Request
	faults    []fault
	loseNext  bool
	// loseNote stores the next note and answers 502.
	loseNote bool
}

// New starts a server, closed when the test ends.
func New(t *testing.T, o Options) *Server {
	t.Helper()
	if o.MaxUploadBytes == 0 {
		o.MaxUploadBytes = 5120 << 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{t: t, opts: o, uploads: map[string]redmine.Attached{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// Issues returns a copy of the issues.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues))
	for i, is := range s.issues {
		out[i] = *is
		out[i].Journals = append([]redmine.Journal(nil), is.Journals...)
		out[i].Attachments = append([]redmine.Attached(nil), is.Attachments...)
	}
	return out
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsTo counts the requests with method and path.
func (s *Server) RequestsTo(method, path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// FailNextOn answers the next n requests with method and path with
// status and header, before doing anything.
func (s *Server) FailNextOn(method, path string, n, status int, h http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault{method, path, status, h})
	}
}

// LoseNextCreate creates the next issue and then drops the connection,
// as when the answer is lost on the way.
func (s *Server) LoseNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNext = true
}

// LoseNextNote stores the next note (or attached upload) and answers 502,
// as the proxy in front of Redmine does when its answer is lost.
func (s *Server) LoseNextNote() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNote = true
}

// AddNote adds a journal with notes by user, as someone working the
// issue in the browser would.
func (s *Server) AddNote(issueID int, user redmine.IDName, notes string, private bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(issueID)
	if is == nil {
		s.t.Errorf("redminefake: no issue %d", issueID)
		return
	}
	s.journal(is, user, notes, private, nil)
}

// SetStatus changes an issue's status by user, journaled.
func (s *Server) SetStatus(issueID int, user redmine.IDName, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.find(issueID)
	st, ok := statusNamed(name)
	if is == nil || !ok {
		s.t.Errorf("redminefake: no issue %d or status %q", issueID, name)
		return
	}
	s.setStatus(is, user, st)
}
