// Package mattermostfake plays a Mattermost server for tests of the
// mattermost source: an httptest server answering the REST API v4 calls
// the connector makes (users/me, users/{id}, posts, posts/{id},
// posts/{id}/thread, files/{id}, files/{id}/info) with Mattermost's answer
// and error shapes, 401 for a wrong token, 403 outside the bot's
// channels, injected faults and 429s; and helpers that make outgoing
// webhook, slash command and button requests the way Mattermost does.
package mattermostfake

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Identities on the fake server (ids are 26 lower-case letters/digits).
const (
	Token       = "fakebottoken0123456789abcd"
	BotUserID   = "botuser000000000000000000a"
	BotUsername = "ticketbot"
	TeamID      = "team00000000000000000000aa"
)

// Post is a post on the fake server, in the API's shape.
type Post struct {
	ID        string         `json:"id"`
	CreateAt  int64          `json:"create_at"`
	UpdateAt  int64          `json:"update_at"`
	DeleteAt  int64          `json:"delete_at"`
	UserID    string         `json:"user_id"`
	ChannelID string         `json:"channel_id"`
	RootID    string         `json:"root_id"`
	Message   string         `json:"message"`
	Type      string         `json:"type"`
	Props     map[string]any `json:"props"`
	FileIDs   []string       `json:"file_ids,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
}

// User is an account on the fake server.
type User struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Nickname  string `json:"nickname"`
	Email     string `json:"email"`
	IsBot     bool   `json:"is_bot"`
}

// FileInfo is an uploaded file's metadata.
type FileInfo struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	MimeType string `json:"mime_type"`
	Size     int64  `json:"size"`
}

// Fault is an injected failure: Status with Mattermost's error body (ID,
// Message); RetryAfter sets Retry-After, RateReset X-Ratelimit-Reset.
type Fault struct {
	Status     int
	ID         string
	Message    string
	RetryAfter int
	RateReset  int
	// After makes the call take effect before the fault replaces its
	// answer: a response lost on the way back.
	After bool
}

// Route names for Fail and Calls.
const (
	RouteMe           = "users/me"
	RouteUser         = "users/{id}"
	RouteCreate       = "create post"
	RoutePost         = "posts/{id}"
	RouteThread       = "posts/{id}/thread"
	RouteChannelPosts = "channels/{id}/posts"
	RouteFile         = "files/{id}"
	RouteFileInfo     = "files/{id}/info"
)

type file struct {
	info FileInfo
	data []byte
}

// Server is the fake. Its zero value is not usable; call New.
type Server struct {
	srv *httptest.Server

	mu      sync.Mutex
	token   string
	users   map[string]User
	posts   map[string]Post
	created []Post
	changed chan struct{}
	files   map[string]file
	members map[string]bool // channels the bot may post to; nil = all
	faults  map[string][]Fault
	calls   map[string]int
	clock   int64
}

// New starts a fake server; it closes with the test.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		token:   Token,
		users:   map[string]User{BotUserID: {ID: BotUserID, Username: BotUsername, IsBot: true}},
		posts:   map[string]Post{},
		changed: make(chan struct{}),
		files:   map[string]file{},
		faults:  map[string][]Fault{},
		calls:   map[string]int{},
		clock:   time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC).UnixMilli(), // after the fixtures
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/users/me", s.handle(RouteMe, s.me))
	mux.HandleFunc("GET /api/v4/users/{id}", s.handle(RouteUser, s.user))
	mux.HandleFunc("POST /api/v4/posts", s.handle(RouteCreate, s.create))
	mux.HandleFunc("GET /api/v4/posts/{id}", s.handle(RoutePost, s.post))
	mux.HandleFunc("GET /api/v4/posts/{id}/thread", s.handle(RouteThread, s.thread))
	mux.HandleFunc("GET /api/v4/channels/{id}/posts", s.handle(RouteChannelPosts, s.channelPosts))
	mux.HandleFunc("GET /api/v4/files/{id}", s.handle(RouteFile, s.file))
	mux.HandleFunc("GET /api/v4/files/{id}/info", s.handle(RouteFileInfo, s.fileInfo))
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL, for the source's url setting.
func (s *Server) URL() string { return s.srv.URL }

// NewID returns a fresh Mattermost-shaped id.
func NewID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 26)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// SetToken changes the bot token the server accepts, as if the old one
// was revoked.
func (s *Server) SetToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = tok
}

// AddUser adds an account.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// Say stores a post by user in channel (a reply when root is not ""), as
// a person typing it would, and returns it.
func (s *Server) Say(channel, userID, root, text string, fileIDs ...string) Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock += 1000
	p := Post{ID: NewID(), CreateAt: s.clock, UpdateAt: s.clock, UserID: userID, ChannelID: channel,
		RootID: root, Message: text, Props: map[string]any{}, FileIDs: fileIDs}
	var infos []FileInfo
	for _, id := range fileIDs {
		if f, ok := s.files[id]; ok {
			infos = append(infos, f.info)
		}
	}
	if len(infos) > 0 {
		p.Metadata = map[string]any{"files": infos}
	}
	s.posts[p.ID] = p
	return p
}

// AddPost stores p as it is (fixed ids for golden tests).
func (s *Server) AddPost(p Post) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Props == nil {
		p.Props = map[string]any{}
	}
	s.posts[p.ID] = p
}

// AddFile makes a file downloadable by id.
func (s *Server) AddFile(info FileInfo, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info.Size = int64(len(data))
	s.files[info.ID] = file{info: info, data: data}
}

// OnlyMemberOf limits the channels the bot may post to; elsewhere answers
// 403.
func (s *Server) OnlyMemberOf(channels ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members = map[string]bool{}
	for _, c := range channels {
		s.members[c] = true
	}
}

// Fail makes the next calls of route fail with the faults given, one per
// call.
func (s *Server) Fail(route string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = append(s.faults[route], faults...)
}

// Calls counts the requests that reached route, failed or not.
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// Posts returns the posts the bot created, in order.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.created...)
}

// WaitPosts waits until at least n posts were created or timeout passed,
// and returns them.
func (s *Server) WaitPosts(n int, timeout time.Duration) []Post {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.created), s.changed
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

// handle counts the call, plays an injected fault, checks the bearer
// token and runs h with s.mu held.
func (s *Server) handle(route string, h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls[route]++
		if q := s.faults[route]; len(q) > 0 {
			s.faults[route] = q[1:]
			if !q[0].After {
				writeFault(w, q[0])
				return
			}
			defer writeFault(w, q[0])
			w = httptest.NewRecorder() // the real answer is lost
		}
		if r.Header.Get("Authorization") != "Bearer "+s.token {
			writeError(w, http.StatusUnauthorized, "api.context.session_expired.app_error", "Invalid or expired session, please login again.")
			return
		}
		h(w, r)
	}
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	if f.RateReset > 0 {
		w.Header().Set("X-Ratelimit-Limit", "10")
		w.Header().Set("X-Ratelimit-Remaining", "0")
		w.Header().Set("X-Ratelimit-Reset", strconv.Itoa(f.RateReset))
	}
	if f.Status == http.StatusTooManyRequests && f.ID == "" {
		// Mattermost's rate limiter answers in plain text.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(f.Status)
		io.WriteString(w, "limit exceeded\n")
		return
	}
	writeError(w, f.Status, f.ID, f.Message)
}

func writeError(w http.ResponseWriter, status int, id, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "message": msg, "detailed_error": "",
		"request_id": "fakereq", "status_code": status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) me(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.users[BotUserID])
}

func (s *Server) user(w http.ResponseWriter, r *http.Request) {
	u, ok := s.users[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "app.user.missing_account.const", "Unable to find the user.")
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var p Post
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || dec.Decode(&p) != nil {
		writeError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.")
		return
	}
	switch {
	case p.ChannelID == "":
		writeError(w, http.StatusBadRequest, "model.post.is_valid.channel_id.app_error", "Invalid channel id.")
		return
	case s.members != nil && !s.members[p.ChannelID]:
		writeError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return
	case len([]rune(p.Message)) > 16383:
		writeError(w, http.StatusBadRequest, "model.post.is_valid.message_length.app_error", "Message too long.")
		return
	}
	if p.RootID != "" {
		root, ok := s.posts[p.RootID]
		if !ok || root.RootID != "" || root.ChannelID != p.ChannelID {
			writeError(w, http.StatusBadRequest, "api.post.create_post.root_id.app_error", "Invalid RootId parameter.")
			return
		}
	}
	if err := checkActions(p.Props); err != nil {
		writeError(w, http.StatusBadRequest, "model.post.is_valid.props.app_error", err.Error())
		return
	}
	s.clock += 1000
	p.ID, p.CreateAt, p.UpdateAt, p.UserID = NewID(), s.clock, s.clock, BotUserID
	if p.Props == nil {
		p.Props = map[string]any{}
	}
	p.Props["from_bot"] = "true"
	s.posts[p.ID] = p
	s.created = append(s.created, p)
	close(s.changed)
	s.changed = make(chan struct{})
	writeJSON(w, http.StatusCreated, p)
}

// checkActions enforces what Mattermost does on interactive attachments:
// every action has an id of letters and digits, a name and an
// integration URL.
func checkActions(props map[string]any) error {
	raw, ok := props["attachments"]
	if !ok {
		return nil
	}
	data, _ := json.Marshal(raw)
	var atts []struct {
		Actions []Action `json:"actions"`
	}
	if err := json.Unmarshal(data, &atts); err != nil {
		return fmt.Errorf("attachments: %v", err)
	}
	for _, a := range atts {
		for _, act := range a.Actions {
			if act.ID == "" || strings.ContainsFunc(act.ID, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
			}) {
				return fmt.Errorf("action id %q: letters and digits only", act.ID)
			}
			if act.Name == "" || act.Integration.URL == "" {
				return fmt.Errorf("action %q: name and integration url required", act.ID)
			}
		}
	}
	return nil
}

func (s *Server) post(w http.ResponseWriter, r *http.Request) {
	p, ok := s.posts[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "app.post.get.app_error", "Unable to get the post.")
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) thread(w http.ResponseWriter, r *http.Request) {
	p, ok := s.posts[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "app.post.get.app_error", "Unable to get the post.")
		return
	}
	root := p.ID
	if p.RootID != "" {
		root = p.RootID
	}
	list := map[string]any{}
	var order []string
	for id, q := range s.posts {
		if id == root || q.RootID == root {
			list[id] = q
			order = append(order, id)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"order": order, "posts": list, "next_post_id": "", "prev_post_id": ""})
}

// channelPosts answers a channel's posts changed since a time in
// milliseconds (Mattermost's "since"; replies included), as a post list.
func (s *Server) channelPosts(w http.ResponseWriter, r *http.Request) {
	since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	ch := r.PathValue("id")
	list := map[string]any{}
	order := []string{}
	for id, q := range s.posts {
		if q.ChannelID == ch && q.UpdateAt > since {
			list[id] = q
			order = append(order, id)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"order": order, "posts": list, "next_post_id": "", "prev_post_id": ""})
}

func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	f, ok := s.files[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "app.file_info.get.app_error", "Unable to get the file info.")
		return
	}
	w.Header().Set("Content-Type", f.info.MimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	w.Header().Set("Content-Disposition", "attachment; filename=\""+f.info.Name+"\"")
	_, _ = w.Write(f.data)
}

func (s *Server) fileInfo(w http.ResponseWriter, r *http.Request) {
	f, ok := s.files[r.PathValue("id")]
	if !ok {
		writeError(w, http.StatusNotFound, "app.file_info.get.app_error", "Unable to get the file info.")
		return
	}
	writeJSON(w, http.StatusOK, f.info)
}
