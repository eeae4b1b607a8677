// Package slackfake plays Slack for tests of the slack source: an
// httptest server answering the Web API methods the connector calls
// (auth.test, chat.postMessage, users.info, conversations.history and
// conversations.replies) and serving private file downloads, with Slack's
// answer shapes, ok:false error codes and 429s; and helpers that sign
// inbound requests the way Slack does and post them to a ticketbridge.
package slackfake

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

// Identities the fake workspace uses.
const (
	Token     = "xoxb-fake-bot-token"
	BotUserID = "UBOT0001"
	BotID     = "B0FAKE01"
	TeamID    = "T0FAKE01"
)

// Post is one chat.postMessage call the fake accepted.
type Post struct {
	Channel  string            `json:"channel"`
	Text     string            `json:"text"`
	ThreadTS string            `json:"thread_ts,omitempty"`
	Blocks   []json.RawMessage `json:"blocks,omitempty"`
	Metadata *Metadata         `json:"metadata,omitempty"`
	// TS is the ts the fake gave the message.
	TS string `json:"-"`
}

// Message is a message in the fake's channels, in Slack's shape.
type Message struct {
	Type     string          `json:"type"`
	Subtype  string          `json:"subtype,omitempty"`
	User     string          `json:"user,omitempty"`
	BotID    string          `json:"bot_id,omitempty"`
	Text     string          `json:"text"`
	TS       string          `json:"ts"`
	ThreadTS string          `json:"thread_ts,omitempty"`
	Files    json.RawMessage `json:"files,omitempty"`
	// Metadata is returned only to include_all_metadata=true.
	Metadata *Metadata `json:"metadata,omitempty"`
}

// Metadata is Slack's message metadata: an app-defined event type and
// payload attached to a message.
type Metadata struct {
	EventType    string         `json:"event_type"`
	EventPayload map[string]any `json:"event_payload"`
}

// User is a workspace member for users.info.
type User struct {
	ID          string
	Name        string
	DisplayName string
	RealName    string
	Email       string
	IsBot       bool
}

// Fault is an injected failure: an HTTP status other than 200, or 200
// with ok:false and Error; RetryAfter (seconds) sets the header.
type Fault struct {
	Status     int
	Error      string
	RetryAfter int
	// After makes the call take effect before the fault replaces its
	// answer: a response lost on the way back.
	After bool
}

type file struct {
	contentType string
	data        []byte
}

// Slack is the fake. Its zero value is not usable; call New.
type Slack struct {
	srv *httptest.Server

	mu       sync.Mutex
	token    string
	posts    []Post
	changed  chan struct{}
	users    map[string]User
	messages map[string][]Message // channel → messages, any order
	files    map[string]file
	members  map[string]bool // channels the bot is in; nil = all
	faults   map[string][]Fault
	calls    map[string]int
	auths    []string // Authorization headers of file downloads
	nextTS   int64
}

// New starts a fake Slack; it closes with the test.
func New(tb testing.TB) *Slack {
	tb.Helper()
	s := &Slack{
		token:    Token,
		changed:  make(chan struct{}),
		users:    map[string]User{},
		messages: map[string][]Message{},
		files:    map[string]file{},
		faults:   map[string][]Fault{},
		calls:    map[string]int{},
		nextTS:   1800000000, // later than the fixtures' messages
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.api)
	mux.HandleFunc("GET /files-pri/{id}/download/{name}", s.download)
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// APIURL is the Web API base, for the source's api_url.
func (s *Slack) APIURL() string { return s.srv.URL + "/api" }

// FileURL is the url_private_download of a file added with AddFile.
func (s *Slack) FileURL(id, name string) string {
	return s.srv.URL + "/files-pri/" + TeamID + "-" + id + "/download/" + name
}

// SetToken changes the bot token the fake accepts, as if the old one was
// revoked.
func (s *Slack) SetToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = tok
}

// AddUser adds a workspace member.
func (s *Slack) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// AddMessage puts a message into a channel's history.
func (s *Slack) AddMessage(channel string, m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.Type == "" {
		m.Type = "message"
	}
	s.messages[channel] = append(s.messages[channel], m)
}

// AddFile makes a file downloadable at FileURL(id, …).
func (s *Slack) AddFile(id, contentType string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[id] = file{contentType: contentType, data: data}
}

// OnlyMemberOf limits the channels the bot may post to; posting elsewhere
// answers not_in_channel.
func (s *Slack) OnlyMemberOf(channels ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members = map[string]bool{}
	for _, c := range channels {
		s.members[c] = true
	}
}

// Fail makes the next calls of method ("chat.postMessage", or "download"
// for file downloads) fail with the faults given, one per call.
func (s *Slack) Fail(method string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], faults...)
}

// Calls counts the requests that reached method, failed or not.
func (s *Slack) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// DownloadAuth returns the Authorization headers file downloads carried.
func (s *Slack) DownloadAuth() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auths...)
}

// Posts returns the accepted chat.postMessage calls, in order.
func (s *Slack) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// WaitPosts waits until at least n posts arrived or timeout passed, and
// returns what arrived.
func (s *Slack) WaitPosts(n int, timeout time.Duration) []Post {
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

// fault pops the next injected fault of method; s.mu is held.
func (s *Slack) fault(method string) (Fault, bool) {
	q := s.faults[method]
	if len(q) == 0 {
		return Fault{}, false
	}
	s.faults[method] = q[1:]
	return q[0], true
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	if f.Status != 0 && f.Status != http.StatusOK {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "%d %s", f.Status, http.StatusText(f.Status))
		return
	}
	writeJSON(w, map[string]any{"ok": false, "error": f.Error})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, code string) {
	writeJSON(w, map[string]any{"ok": false, "error": code})
}

func (s *Slack) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[method]++
	f, faulted := s.fault(method)
	if faulted && !f.After {
		writeFault(w, f)
		return
	}
	if faulted {
		defer writeFault(w, f)
		w = httptest.NewRecorder() // the real answer is lost
	}
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "":
		apiError(w, "not_authed")
		return
	case auth != "Bearer "+s.token:
		apiError(w, "invalid_auth")
		return
	}
	switch method {
	case "auth.test":
		writeJSON(w, map[string]any{"ok": true, "url": "https://fake.slack.com/", "team": "Fake", "user": "ticketbridge",
			"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID})
	case "chat.postMessage":
		s.postMessage(w, r, body)
	case "users.info":
		s.usersInfo(w, r)
	case "conversations.history", "conversations.replies":
		s.history(w, r, method)
	default:
		apiError(w, "unknown_method")
	}
}

func (s *Slack) postMessage(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		apiError(w, "invalid_arguments")
		return
	}
	var p Post
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		apiError(w, "invalid_json")
		return
	}
	switch {
	case p.Channel == "":
		apiError(w, "channel_not_found")
		return
	case p.Text == "" && len(p.Blocks) == 0:
		apiError(w, "no_text")
		return
	case s.members != nil && !s.members[p.Channel]:
		apiError(w, "not_in_channel")
		return
	}
	s.nextTS++
	p.TS = strconv.FormatInt(s.nextTS, 10) + ".000100"
	s.posts = append(s.posts, p)
	s.messages[p.Channel] = append(s.messages[p.Channel], Message{Type: "message", Subtype: "bot_message", User: BotUserID, BotID: BotID, Text: p.Text, TS: p.TS, ThreadTS: p.ThreadTS, Metadata: p.Metadata})
	close(s.changed)
	s.changed = make(chan struct{})
	writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS,
		"message": map[string]any{"type": "message", "text": p.Text, "bot_id": BotID, "ts": p.TS}})
}

func (s *Slack) usersInfo(w http.ResponseWriter, r *http.Request) {
	u, ok := s.users[r.URL.Query().Get("user")]
	if !ok {
		apiError(w, "user_not_found")
		return
	}
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{
		"id": u.ID, "name": u.Name, "is_bot": u.IsBot, "deleted": false,
		"profile": map[string]any{"display_name": u.DisplayName, "real_name": u.RealName, "email": u.Email},
	}})
}

// history answers conversations.history (top-level messages, newest
// first) and conversations.replies (a thread, root first, then oldest
// first), honouring latest/oldest/inclusive, limit and cursor.
func (s *Slack) history(w http.ResponseWriter, r *http.Request, method string) {
	q := r.URL.Query()
	ch := q.Get("channel")
	msgs, ok := s.messages[ch]
	if !ok {
		apiError(w, "channel_not_found")
		return
	}
	var sel []Message
	if method == "conversations.history" {
		for _, m := range msgs {
			if m.ThreadTS == "" || m.ThreadTS == m.TS {
				sel = append(sel, m)
			}
		}
		sort.Slice(sel, func(i, j int) bool { return tsLess(sel[j].TS, sel[i].TS) })
	} else {
		root := q.Get("ts")
		if root == "" {
			apiError(w, "invalid_arguments")
			return
		}
		// A reply's ts stands for its whole thread.
		for _, m := range msgs {
			if m.TS == root && m.ThreadTS != "" {
				root = m.ThreadTS
			}
		}
		for _, m := range msgs {
			if m.TS == root || m.ThreadTS == root {
				sel = append(sel, m)
			}
		}
		if len(sel) == 0 {
			apiError(w, "thread_not_found")
			return
		}
		sort.Slice(sel, func(i, j int) bool {
			if (sel[i].TS == root) != (sel[j].TS == root) {
				return sel[i].TS == root
			}
			return tsLess(sel[i].TS, sel[j].TS)
		})
	}
	incl := q.Get("inclusive") == "true" || q.Get("inclusive") == "1"
	var win []Message
	for i, m := range sel {
		isRoot := method == "conversations.replies" && i == 0
		if l := q.Get("latest"); l != "" && !isRoot && (tsLess(l, m.TS) || (!incl && m.TS == l)) {
			continue
		}
		if o := q.Get("oldest"); o != "" && !isRoot && (tsLess(m.TS, o) || (!incl && m.TS == o)) {
			continue
		}
		win = append(win, m)
	}
	if q.Get("include_all_metadata") != "true" && q.Get("include_all_metadata") != "1" {
		for i := range win {
			win[i].Metadata = nil
		}
	}
	start, _ := strconv.Atoi(q.Get("cursor"))
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 {
		limit = 100
	}
	if start > len(win) {
		start = len(win)
	}
	end := min(start+limit, len(win))
	next := ""
	if end < len(win) {
		next = strconv.Itoa(end)
	}
	writeJSON(w, map[string]any{"ok": true, "messages": win[start:end], "has_more": next != "",
		"response_metadata": map[string]any{"next_cursor": next}})
}

func tsLess(a, b string) bool {
	fa, _ := strconv.ParseFloat(a, 64)
	fb, _ := strconv.ParseFloat(b, 64)
	return fa < fb
}

func (s *Slack) download(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls["download"]++
	s.auths = append(s.auths, r.Header.Get("Authorization"))
	f, faulted := s.fault("download")
	token := s.token
	_, id, _ := strings.Cut(r.PathValue("id"), "-")
	file, ok := s.files[id]
	s.mu.Unlock()
	if faulted {
		writeFault(w, f)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+token {
		// Slack answers a missing or wrong token with its sign-in page.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!DOCTYPE html><html><body>Sign in to Slack</body></html>")
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", file.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(file.data)))
	_, _ = w.Write(file.data)
}
