// Package agorafake plays Agora for tests of the agora source: an
// httptest server with the Agora Chat REST API ticketbridge calls (app
// token, messages to users, groups and chat rooms, a user list for the
// doctor) answering with Agora's error bodies, and helpers that sign NCS
// notices and Chat callbacks the way Agora does and deliver them.
package agorafake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source/agora"
)

// Post is one message the fake accepted.
type Post struct {
	// Target is users, chatgroups or chatrooms.
	Target string
	agora.SendRequest
	// Token is the app token the request carried.
	Token string
	MsgID string
}

type fault struct {
	n          int
	status     int
	errName    string
	desc       string
	retryAfter string
}

// Server is the fake Chat REST API of one app. Tokens it issues are
// "tok-1", "tok-2", …; an expired or unknown token answers 401.
type Server struct {
	srv          *httptest.Server
	org, app     string
	clientID     string
	clientSecret string

	mu        sync.Mutex
	changed   chan struct{}
	issued    int
	valid     map[string]bool
	expiresIn int64
	tokenReqs int
	posts     []Post
	faults    map[string]*fault // by path suffix: "token", "messages", "users"
	nextMsg   int64
}

// Fault keys for FailNext.
const (
	PathToken    = "token"
	PathMessages = "messages"
	PathUsers    = "users"
)

// New starts a fake for the app key "org#app" and its client credentials.
// It closes with the test.
func New(tb testing.TB, appKey, clientID, clientSecret string) *Server {
	tb.Helper()
	org, app, _ := strings.Cut(appKey, "#")
	s := &Server{
		org: org, app: app, clientID: clientID, clientSecret: clientSecret,
		changed:   make(chan struct{}),
		valid:     map[string]bool{},
		expiresIn: 5184000,
		faults:    map[string]*fault{},
		nextMsg:   1029457500870543736,
	}
	base := "/" + org + "/" + app
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+base+"/token", s.token)
	mux.HandleFunc("POST "+base+"/messages/{target}", s.send)
	mux.HandleFunc("GET "+base+"/users", s.users)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the REST host, for the source's chat_api_url.
func (s *Server) URL() string { return s.srv.URL }

// SetExpiresIn sets the lifetime (seconds) of tokens issued from now on.
func (s *Server) SetExpiresIn(secs int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expiresIn = secs
}

// ExpireTokens makes every token issued so far answer 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.valid)
}

// AddToken makes a fixed app token valid (for chat_app_token).
func (s *Server) AddToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.valid[tok] = true
}

// TokenRequests counts token calls.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReqs
}

// FailNext makes the next n calls to key (PathToken, PathMessages,
// PathUsers) answer status with Agora's error body; retryAfter, when not
// empty, is sent as the Retry-After header.
func (s *Server) FailNext(key string, n, status int, errName, desc, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[key] = &fault{n: n, status: status, errName: errName, desc: desc, retryAfter: retryAfter}
}

// Posts returns the messages accepted so far.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// WaitPosts waits until at least n messages arrived or the timeout passes,
// and returns what arrived.
func (s *Server) WaitPosts(n int, timeout time.Duration) []Post {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, ch := len(s.posts), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Posts()
		}
		select {
		case <-ch:
		case <-deadline:
			return s.Posts()
		}
	}
}

// failing reports and consumes an injected fault; the caller holds mu.
func (s *Server) failing(w http.ResponseWriter, key string) bool {
	f := s.faults[key]
	if f == nil || f.n <= 0 {
		return false
	}
	f.n--
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	writeError(w, f.status, f.errName, f.desc)
	return true
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenReqs++
	if s.failing(w, PathToken) {
		return
	}
	var req agora.TokenRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "json_parse", "Unexpected character")
		return
	}
	if req.GrantType != "client_credentials" {
		writeError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	if req.ClientID != s.clientID || req.ClientSecret != s.clientSecret {
		writeError(w, http.StatusUnauthorized, "invalid_grant", "invalid client credentials")
		return
	}
	s.issued++
	tok := "tok-" + strconv.Itoa(s.issued)
	s.valid[tok] = true
	writeJSON(w, http.StatusOK, agora.TokenAnswer{AccessToken: tok, ExpiresIn: s.expiresIn, Application: "app-uuid"})
}

// authorized checks the bearer token; the caller holds mu.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !s.valid[tok] {
		writeError(w, http.StatusUnauthorized, "unauthorized", "Unable to authenticate due to expired access token")
		return "", false
	}
	return tok, true
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.authorized(w, r)
	if !ok {
		return
	}
	if s.failing(w, PathMessages) {
		return
	}
	target := r.PathValue("target")
	if target != "users" && target != "chatgroups" && target != "chatrooms" {
		writeError(w, http.StatusNotFound, "service_resource_not_found", "no such resource: "+target)
		return
	}
	var req agora.SendRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "json_parse", "Unexpected character")
		return
	}
	if req.From == "" || len(req.To) == 0 || req.Type != "txt" || req.Body.Msg == "" {
		writeError(w, http.StatusBadRequest, "illegal_argument", "from, to, type and body.msg are required")
		return
	}
	data := map[string]string{}
	for _, to := range req.To {
		s.nextMsg++
		id := strconv.FormatInt(s.nextMsg, 10)
		data[to] = id
		s.posts = append(s.posts, Post{Target: target, SendRequest: req, Token: tok, MsgID: id})
	}
	close(s.changed)
	s.changed = make(chan struct{})
	writeJSON(w, http.StatusOK, map[string]any{
		"path": "/messages/" + target, "action": "post", "organization": s.org, "application": "app-uuid",
		"applicationName": s.app, "timestamp": time.Now().UnixMilli(), "duration": 0, "data": data,
	})
}

func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.authorized(w, r); !ok {
		return
	}
	if s.failing(w, PathUsers) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"action": "get", "entities": []any{}, "count": 0})
}

func writeError(w http.ResponseWriter, status int, name, desc string) {
	writeJSON(w, status, map[string]any{
		"error": name, "error_description": desc, "exception": fmt.Sprintf("fake.%sException", name),
		"timestamp": time.Now().UnixMilli(), "duration": 0,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
