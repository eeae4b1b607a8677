// Package feishufake plays the Feishu open platform for tests: the tenant
// token endpoint, sending and replying, users, message history and file
// download, with Feishu's error bodies and fault injection. It also signs
// and encrypts inbound deliveries the way Feishu does (see send.go).
package feishufake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Feishu's codes the fake answers with.
const (
	CodeTokenInvalid = 99991663
	CodeRateLimit    = 99991400
	CodeNoPermission = 99991672
	CodeBadSecret    = 10014
	CodeNotFound     = 230001
)

// Post is one message the platform received through send or reply.
type Post struct {
	// ReplyTo is the message replied to; empty for a send to a chat.
	ReplyTo   string
	ReceiveID string
	MsgType   string
	// Content is the JSON document the API got in a string.
	Content string
	UUID    string
	// MessageID is the id the platform gave the message.
	MessageID string
	Token     string
}

// Text is the text of a text message, or the first div's text of a card.
func (p Post) Text() string {
	var c struct {
		Text     string `json:"text"`
		Elements []struct {
			Text struct {
				Content string `json:"content"`
			} `json:"text"`
		} `json:"elements"`
	}
	_ = json.Unmarshal([]byte(p.Content), &c)
	if c.Text == "" && len(c.Elements) > 0 {
		return c.Elements[0].Text.Content
	}
	return c.Text
}

// Buttons returns the values of a card's buttons, in order.
func (p Post) Buttons() []map[string]string {
	var c struct {
		Elements []struct {
			Actions []struct {
				Value map[string]string `json:"value"`
			} `json:"actions"`
		} `json:"elements"`
	}
	_ = json.Unmarshal([]byte(p.Content), &c)
	var out []map[string]string
	for _, e := range c.Elements {
		for _, a := range e.Actions {
			out = append(out, a.Value)
		}
	}
	return out
}

// User is a contact the user API knows.
type User struct {
	OpenID string `json:"open_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
}

// Message is a message the history APIs know, in their shape.
type Message struct {
	MessageID  string `json:"message_id"`
	RootID     string `json:"root_id,omitempty"`
	ParentID   string `json:"parent_id,omitempty"`
	ThreadID   string `json:"thread_id,omitempty"`
	MsgType    string `json:"msg_type"`
	CreateTime string `json:"create_time"`
	ChatID     string `json:"chat_id"`
	Sender     struct {
		ID         string `json:"id"`
		IDType     string `json:"id_type"`
		SenderType string `json:"sender_type"`
	} `json:"sender"`
	Body struct {
		Content string `json:"content"`
	} `json:"body"`
}

// TextMessage builds a text message from a user at a time.
func TextMessage(id, chat, root, thread, sender, text string, at time.Time) Message {
	m := Message{MessageID: id, RootID: root, ThreadID: thread, MsgType: "text", ChatID: chat,
		CreateTime: strconv.FormatInt(at.UnixMilli(), 10)}
	m.Sender.ID, m.Sender.IDType, m.Sender.SenderType = sender, "open_id", "user"
	b, _ := json.Marshal(map[string]string{"text": text})
	m.Body.Content = string(b)
	return m
}

// Fault is an injected refusal.
type Fault struct {
	Status int
	Code   int
	Msg    string
	// Reset is x-ogw-ratelimit-reset in seconds, when not zero.
	Reset int
}

type resource struct {
	contentType, name string
	data              []byte
}

// Server is the fake platform. Its zero value is not usable; use New.
type Server struct {
	srv       *httptest.Server
	appID     string
	appSecret string

	mu        sync.Mutex
	now       func() time.Time
	expire    int
	tokens    map[string]time.Time
	tokenReqs int
	tokenN    int
	tokenFail *Fault
	faults    []Fault
	posts     []Post
	uuids     map[string]string
	users     map[string]User
	userReqs  int
	messages  map[string]Message
	resources map[string]resource
	changed   chan struct{}
	requests  []string
}

// New starts a platform accepting appID and appSecret. It closes with
// the test.
func New(tb testing.TB, appID, appSecret string) *Server {
	tb.Helper()
	s := &Server{
		appID: appID, appSecret: appSecret,
		now: time.Now, expire: 7200,
		tokens: map[string]time.Time{}, uuids: map[string]string{},
		users: map[string]User{}, messages: map[string]Message{}, resources: map[string]resource{},
		changed: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /open-apis/auth/v3/tenant_access_token/internal", s.token)
	mux.HandleFunc("POST /open-apis/im/v1/messages", s.authed(s.send))
	mux.HandleFunc("POST /open-apis/im/v1/messages/{id}/reply", s.authed(s.send))
	mux.HandleFunc("GET /open-apis/im/v1/messages", s.authed(s.list))
	mux.HandleFunc("GET /open-apis/im/v1/messages/{id}", s.authed(s.get))
	mux.HandleFunc("GET /open-apis/im/v1/messages/{id}/resources/{key}", s.authed(s.resource))
	mux.HandleFunc("GET /open-apis/contact/v3/users/{id}", s.authed(s.user))
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the platform's host, for the source's api_url.
func (s *Server) URL() string { return s.srv.URL }

// SetClock sets the clock token expiry is judged by.
func (s *Server) SetClock(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// SetExpire sets the lifetime, in seconds, of tokens issued from now on.
func (s *Server) SetExpire(sec int) { s.mu.Lock(); s.expire = sec; s.mu.Unlock() }

// RevokeTokens makes every issued token invalid, as a secret reset does.
func (s *Server) RevokeTokens() { s.mu.Lock(); clear(s.tokens); s.mu.Unlock() }

// FailNext makes the next API calls (not token requests) fail, one
// fault each.
func (s *Server) FailNext(f ...Fault) { s.mu.Lock(); s.faults = append(s.faults, f...); s.mu.Unlock() }

// FailToken makes token requests fail with f until called with nil.
func (s *Server) FailToken(f *Fault) { s.mu.Lock(); s.tokenFail = f; s.mu.Unlock() }

// AddUser makes a contact known.
func (s *Server) AddUser(u User) { s.mu.Lock(); s.users[u.OpenID] = u; s.mu.Unlock() }

// AddMessage makes a message known to the history APIs.
func (s *Server) AddMessage(m Message) { s.mu.Lock(); s.messages[m.MessageID] = m; s.mu.Unlock() }

// AddResource makes a file of a message downloadable.
func (s *Server) AddResource(messageID, key, contentType, name string, data []byte) {
	s.mu.Lock()
	s.resources[messageID+"/"+key] = resource{contentType, name, data}
	s.mu.Unlock()
}

// TokenRequests counts token requests.
func (s *Server) TokenRequests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.tokenReqs }

// UserRequests counts user lookups that reached the platform.
func (s *Server) UserRequests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.userReqs }

// Requests lists "METHOD path?query" of every API call, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Posts returns the messages received so far, in order.
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.Reset > 0 {
		w.Header().Set("x-ogw-ratelimit-reset", strconv.Itoa(f.Reset))
	}
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	writeJSON(w, status, map[string]any{"code": f.Code, "msg": f.Msg})
}

func ok(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "msg": "success", "data": data})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var in struct {
		AppID     string `json:"app_id"`
		AppSecret string `json:"app_secret"`
	}
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenReqs++
	if s.tokenFail != nil {
		writeFault(w, *s.tokenFail)
		return
	}
	if json.Unmarshal(body, &in) != nil || in.AppID != s.appID || in.AppSecret != s.appSecret {
		writeJSON(w, http.StatusOK, map[string]any{"code": CodeBadSecret, "msg": "app secret invalid"})
		return
	}
	s.tokenN++
	tok := fmt.Sprintf("t-fake-%d", s.tokenN)
	s.tokens[tok] = s.now().Add(time.Duration(s.expire) * time.Second)
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "msg": "ok", "tenant_access_token": tok, "expire": s.expire})
}

// authed checks the bearer token and injected faults under the lock.
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request, token string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
		if len(s.faults) > 0 {
			f := s.faults[0]
			s.faults = s.faults[1:]
			writeFault(w, f)
			return
		}
		tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		exp, valid := s.tokens[tok]
		if !found || !valid || !s.now().Before(exp) {
			writeJSON(w, http.StatusBadRequest, map[string]any{"code": CodeTokenInvalid,
				"msg": "Invalid access token for authorization. Please make a request with token attached."})
			return
		}
		h(w, r, tok)
	}
}

func (s *Server) send(w http.ResponseWriter, r *http.Request, tok string) {
	var in struct {
		ReceiveID string `json:"receive_id"`
		MsgType   string `json:"msg_type"`
		Content   string `json:"content"`
		UUID      string `json:"uuid"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.MsgType == "" || !json.Valid([]byte(in.Content)) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 230001, "msg": fmt.Sprintf("invalid request: %v", err)})
		return
	}
	replyTo := r.PathValue("id")
	if replyTo == "" && (r.URL.Query().Get("receive_id_type") != "chat_id" || in.ReceiveID == "") {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 230001, "msg": "receive_id_type=chat_id and receive_id required"})
		return
	}
	if len(in.UUID) > 50 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 230001, "msg": "uuid longer than 50"})
		return
	}
	if id, seen := s.uuids[in.UUID]; in.UUID != "" && seen {
		ok(w, map[string]string{"message_id": id})
		return
	}
	id := fmt.Sprintf("om_fake_%d", len(s.posts)+1)
	if in.UUID != "" {
		s.uuids[in.UUID] = id
	}
	s.posts = append(s.posts, Post{ReplyTo: replyTo, ReceiveID: in.ReceiveID, MsgType: in.MsgType,
		Content: in.Content, UUID: in.UUID, MessageID: id, Token: tok})
	close(s.changed)
	s.changed = make(chan struct{})
	ok(w, map[string]string{"message_id": id, "msg_type": in.MsgType})
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, _ string) {
	m, found := s.messages[r.PathValue("id")]
	if !found {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": CodeNotFound, "msg": "message not found"})
		return
	}
	ok(w, map[string]any{"items": []Message{m}})
}

// list pages through a chat or a thread, newest first when asked.
func (s *Server) list(w http.ResponseWriter, r *http.Request, _ string) {
	q := r.URL.Query()
	kind, id := q.Get("container_id_type"), q.Get("container_id")
	var items []Message
	for _, m := range s.messages {
		if (kind == "chat" && m.ChatID == id) || (kind == "thread" && m.ThreadID == id) {
			items = append(items, m)
		}
	}
	if kind != "chat" && kind != "thread" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 230001, "msg": "bad container_id_type"})
		return
	}
	desc := q.Get("sort_type") == "ByCreateTimeDesc"
	sort.Slice(items, func(i, j int) bool {
		if desc {
			return items[i].CreateTime > items[j].CreateTime
		}
		return items[i].CreateTime < items[j].CreateTime
	})
	size, _ := strconv.Atoi(q.Get("page_size"))
	if size <= 0 || size > 50 {
		size = 20
	}
	start, _ := strconv.Atoi(q.Get("page_token"))
	start = min(start, len(items))
	end := min(start+size, len(items))
	data := map[string]any{"items": items[start:end], "has_more": end < len(items)}
	if end < len(items) {
		data["page_token"] = strconv.Itoa(end)
	}
	ok(w, data)
}

func (s *Server) resource(w http.ResponseWriter, r *http.Request, _ string) {
	typ := r.URL.Query().Get("type")
	res, found := s.resources[r.PathValue("id")+"/"+r.PathValue("key")]
	if !found || (typ != "image" && typ != "file") {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 234003, "msg": "file not found or type mismatch"})
		return
	}
	w.Header().Set("Content-Type", res.contentType)
	if res.name != "" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+res.name+`"`)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(res.data)))
	w.Write(res.data)
}

func (s *Server) user(w http.ResponseWriter, r *http.Request, _ string) {
	s.userReqs++
	if r.URL.Query().Get("user_id_type") != "open_id" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 40001, "msg": "user_id_type must be open_id here"})
		return
	}
	u, found := s.users[r.PathValue("id")]
	if !found {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 41050, "msg": "no user authority error"})
		return
	}
	ok(w, map[string]any{"user": u})
}
