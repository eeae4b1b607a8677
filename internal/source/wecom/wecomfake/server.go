// Package wecomfake plays WeCom for tests of the wecom source: an
// httptest server with the server API ticketbridge calls (gettoken,
// message/send, user/get, media/get) answering with WeCom's errcodes, and
// a Sender that encrypts and signs callbacks the way WeCom does.
package wecomfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source/wecom"
)

// Post is one message/send the fake accepted.
type Post struct {
	wecom.SendRequest
	MsgID string
}

// User is a member user/get knows.
type User struct {
	UserID, Name, Email string
}

// Media is a file media/get serves.
type Media struct {
	ContentType string
	FileName    string
	Data        []byte
}

type fault struct {
	n       int
	errcode int
	errmsg  string
	status  int
}

// Server is the fake API. Tokens it issues are "tok-1", "tok-2", …; a
// token made stale by ExpireTokens answers 42001, an unknown one 40014.
type Server struct {
	srv    *httptest.Server
	corpID string
	secret string

	mu        sync.Mutex
	changed   chan struct{}
	issued    int
	valid     map[string]bool // issued token → still valid
	expiresIn int
	tokenReqs int
	posts     []Post
	taskIDs   map[string]bool
	users     map[string]User
	media     map[string]Media
	faults    map[string]*fault // by API path
	requests  map[string]int
}

// API paths, for FailNext and Requests.
const (
	PathToken = "/cgi-bin/gettoken"
	PathSend  = "/cgi-bin/message/send"
	PathUser  = "/cgi-bin/user/get"
	PathMedia = "/cgi-bin/media/get"
)

// New starts a fake for one corp and app secret. It closes with the test.
func New(tb testing.TB, corpID, secret string) *Server {
	tb.Helper()
	s := &Server{
		corpID:    corpID,
		secret:    secret,
		changed:   make(chan struct{}),
		valid:     map[string]bool{},
		expiresIn: 7200,
		taskIDs:   map[string]bool{},
		users:     map[string]User{},
		media:     map[string]Media{},
		faults:    map[string]*fault{},
		requests:  map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathToken, s.token)
	mux.HandleFunc("POST "+PathSend, s.send)
	mux.HandleFunc("GET "+PathUser, s.user)
	mux.HandleFunc("GET "+PathMedia, s.mediaGet)
	s.srv = httptest.NewServer(s.count(mux))
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the API base, for the source's api_url.
func (s *Server) URL() string { return s.srv.URL }

// SetExpiresIn sets the lifetime (seconds) of tokens issued from now on.
func (s *Server) SetExpiresIn(secs int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expiresIn = secs
}

// ExpireTokens makes every token issued so far answer 42001.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.valid {
		s.valid[t] = false
	}
}

// RevokeTokens forgets every token issued so far: they answer 40014.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.valid)
}

// TokenRequests counts gettoken calls.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReqs
}

// Requests counts calls to one API path.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// FailNext makes the next n calls to path answer errcode/errmsg (HTTP
// 200, as WeCom does); with status non-zero they answer that HTTP status
// instead.
func (s *Server) FailNext(path string, n, errcode int, errmsg string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = &fault{n: n, errcode: errcode, errmsg: errmsg, status: status}
}

// SetUser adds a member.
func (s *Server) SetUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.UserID] = u
}

// SetMedia adds a file under a media id.
func (s *Server) SetMedia(id string, m Media) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id] = m
}

// Posts returns the accepted message/send calls, in order.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// WaitPosts waits until at least n posts arrived or timeout passed.
func (s *Server) WaitPosts(n int, timeout time.Duration) []Post {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.posts), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Posts()
		}
		select {
		case <-changed:
		case <-deadline.C:
			return s.Posts()
		}
	}
}

func (s *Server) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.URL.Path]++
		f := s.faults[r.URL.Path]
		inject := f != nil && f.n > 0
		if inject {
			f.n--
		}
		s.mu.Unlock()
		if inject {
			if f.status != 0 {
				http.Error(w, "injected failure", f.status)
				return
			}
			writeErr(w, f.errcode, f.errmsg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenReqs++
	if q.Get("corpid") != s.corpID {
		writeErr(w, 40013, "invalid corpid")
		return
	}
	if q.Get("corpsecret") != s.secret {
		writeErr(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	}
	s.issued++
	tok := "tok-" + strconv.Itoa(s.issued)
	s.valid[tok] = true
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": s.expiresIn})
}

// authorized checks the access_token; it answers the error itself.
// Callers hold mu.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	valid, known := s.valid[r.URL.Query().Get("access_token")]
	switch {
	case !known:
		writeErr(w, 40014, "invalid access_token")
		return false
	case !valid:
		writeErr(w, 42001, "access_token expired")
		return false
	}
	return true
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	var req wecom.SendRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	decodeErr := dec.Decode(&req)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.authorized(w, r) {
		return
	}
	if decodeErr != nil {
		writeErr(w, 40058, fmt.Sprintf("invalid json: %v", decodeErr))
		return
	}
	if req.AgentID <= 0 {
		writeErr(w, 40056, "invalid agentid")
		return
	}
	if req.ToUser == "" {
		writeErr(w, 40003, "invalid userid")
		return
	}
	switch req.MsgType {
	case "text":
		if req.Text == nil || req.Text.Content == "" {
			writeErr(w, 41009, "missing content")
			return
		}
	case "template_card":
		c := req.TemplateCard
		if c == nil || c.CardType != "button_interaction" || len(c.ButtonList) == 0 {
			writeErr(w, 40058, "invalid template_card")
			return
		}
		if c.TaskID == "" || s.taskIDs[c.TaskID] {
			writeErr(w, 42014, "taskid has existed or empty or exceed max len")
			return
		}
		s.taskIDs[c.TaskID] = true
	default:
		writeErr(w, 40008, "invalid message type")
		return
	}
	if _, ok := s.users[req.ToUser]; !ok && len(s.users) > 0 {
		writeErr(w, 81013, "user & party & tag all invalid")
		return
	}
	id := "msg-" + strconv.Itoa(len(s.posts)+1)
	s.posts = append(s.posts, Post{SendRequest: req, MsgID: id})
	close(s.changed)
	s.changed = make(chan struct{})
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": id})
}

func (s *Server) user(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.authorized(w, r) {
		return
	}
	u, ok := s.users[r.URL.Query().Get("userid")]
	if !ok {
		writeErr(w, 60111, "userid not found")
		return
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "userid": u.UserID, "name": u.Name, "email": u.Email})
}

func (s *Server) mediaGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if !s.authorized(w, r) {
		s.mu.Unlock()
		return
	}
	m, ok := s.media[r.URL.Query().Get("media_id")]
	s.mu.Unlock()
	if !ok {
		writeErr(w, 40007, "invalid media_id")
		return
	}
	w.Header().Set("Content-Type", m.ContentType)
	if m.FileName != "" {
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", m.FileName))
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(m.Data)))
	_, _ = w.Write(m.Data)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

// writeJSON answers 200 with JSON: WeCom reports errors in errcode, not
// in the HTTP status.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}
