// Package githubfake is a GitHub or Gitea repository for tests: an
// httptest server speaking the issue endpoints the github sink uses in
// either dialect (auth scheme, /api/v1 prefix, label names or ids, Gitea
// issue assets), GitHub's 401/404/422 and rate-limit answers, fault
// injection, and webhooks signed the dialect's way.
package githubfake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/sink/github"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinktest"
)

// Options configures a Server; zero values pick the defaults shown.
type Options struct {
	Dialect       string // github (default) or gitea
	Token         string // default test-token
	Login         string // the token's user; default tb-bot
	Repository    string // default acme/support
	WebhookSecret string // default hook-secret
	// Labels exist in the repository from the start (Gitea needs them).
	Labels []string
	// MaxAssetBytes makes bigger Gitea uploads fail with 413; 0: 1 MiB.
	MaxAssetBytes int64
	// NoPush takes push access away from the token's user.
	NoPush bool
}

// Issue is an issue the server holds.
type Issue struct {
	github.Issue
	Comments []github.Comment
}

// Request is one request the server received.
type Request struct {
	Method, Path, Query string
	Body                []byte
	Time                time.Time
}

// Server is a running fake.
type Server struct {
	t    *testing.T
	srv  *httptest.Server
	opts Options

	mu       sync.Mutex
	issues   []*Issue
	labels   []github.Label
	requests []Request
	faults   sinktest.Faults
	loseNext bool
	// loseComment stores the next comment and answers 502.
	loseComment bool
	nextID      int64
}

// New starts a server, closed when the test ends.
func New(t *testing.T, o Options) *Server {
	t.Helper()
	if o.Dialect == "" {
		o.Dialect = github.TypeGitHub
	}
	if o.Token == "" {
		o.Token = "test-token"
	}
	if o.Login == "" {
		o.Login = "tb-bot"
	}
	if o.Repository == "" {
		o.Repository = "acme/support"
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = "hook-secret"
	}
	if o.MaxAssetBytes == 0 {
		o.MaxAssetBytes = 1 << 20
	}
	s := &Server{t: t, opts: o, nextID: 1000}
	for _, l := range o.Labels {
		s.labels = append(s.labels, github.Label{ID: s.id(), Name: l})
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is what the sink's url setting should be.
func (s *Server) URL() string { return s.srv.URL }

// Options returns the options in effect.
func (s *Server) Options() Options { return s.opts }

// Issues returns a copy of the issues.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, len(s.issues))
	for i, is := range s.issues {
		out[i] = *is
		out[i].Comments = append([]github.Comment(nil), is.Comments...)
		out[i].Labels = append([]github.Label(nil), is.Labels...)
		out[i].Assets = append([]github.Asset(nil), is.Assets...)
	}
	return out
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// FailNextOn answers the next request with method and path (without the
// /api/v1 prefix) with status, header and body.
func (s *Server) FailNextOn(method, path string, status int, h http.Header, body string) {
	s.faults.Add(sinktest.Fault{Method: method, Path: path, Status: status, Header: h, Body: body})
}

// LoseNextComment stores the next comment (or Gitea asset) and answers
// 502, as the front end does when the answer is lost behind it.
func (s *Server) LoseNextComment() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseComment = true
}

// LoseNextCreate creates the next issue and drops the connection.
func (s *Server) LoseNextCreate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNext = true
}

// SendComment delivers an issue_comment "created" webhook for a comment
// by login, as if made on the site.
func (s *Server) SendComment(ctx context.Context, bridgeURL, sinkID string, number int, body, login string) (*http.Response, error) {
	s.mu.Lock()
	is := s.find(number)
	if is == nil {
		s.mu.Unlock()
		s.t.Fatalf("githubfake: no issue %d", number)
	}
	c := github.Comment{ID: s.id(), Body: body, User: github.User{Login: login}}
	is.Comments = append(is.Comments, c)
	payload := github.Webhook{Action: "created", Issue: &is.Issue, Comment: &c, Sender: c.User}
	s.mu.Unlock()
	return s.Deliver(ctx, bridgeURL, sinkID, "issue_comment", payload)
}

// SendState closes ("closed") or reopens ("reopened") an issue as login
// and delivers the issues webhook.
func (s *Server) SendState(ctx context.Context, bridgeURL, sinkID string, number int, action, login string) (*http.Response, error) {
	s.mu.Lock()
	is := s.find(number)
	if is == nil {
		s.mu.Unlock()
		s.t.Fatalf("githubfake: no issue %d", number)
	}
	is.State = map[string]string{"closed": "closed", "reopened": "open"}[action]
	payload := github.Webhook{Action: action, Issue: &is.Issue, Sender: github.User{Login: login}}
	s.mu.Unlock()
	return s.Deliver(ctx, bridgeURL, sinkID, "issues", payload)
}

// Deliver posts payload as a webhook of event, signed with the secret.
func (s *Server) Deliver(ctx context.Context, bridgeURL, sinkID, event string, payload any) (*http.Response, error) {
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
	sig := github.Sign(s.opts.Dialect, s.opts.WebhookSecret, data)
	if s.opts.Dialect == github.TypeGitea {
		req.Header.Set(github.HeaderGiteaEvent, event)
		req.Header.Set(github.HeaderGiteaDelivery, hex.EncodeToString(b))
		req.Header.Set(github.HeaderGiteaSignature, sig)
	} else {
		req.Header.Set(github.HeaderGitHubEvent, event)
		req.Header.Set(github.HeaderGitHubDelivery, hex.EncodeToString(b))
		req.Header.Set(github.HeaderGitHubSignature, sig)
	}
	return http.DefaultClient.Do(req)
}

func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

func (s *Server) find(number int) *Issue {
	if number < 1 || number > len(s.issues) {
		return nil
	}
	return s.issues[number-1]
}
