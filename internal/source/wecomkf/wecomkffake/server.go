// Package wecomkffake plays WeCom 微信客服 for tests of the wecom_kf
// source: an httptest server with the API ticketbridge calls (gettoken,
// kf/sync_msg, kf/send_msg, media/get) that keeps each account's message
// log behind opaque cursors, enforces the reply rules (48 hours after the
// customer's last message, 5 replies per customer message) with errcodes
// on an injectable clock, and seals kf_msg_or_event callbacks the way
// WeCom does.
package wecomkffake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source/wecomkf"
	"github.com/ticketbridge/ticketbridge/internal/wxcrypt"
)

// API paths, for FailNext and Requests.
const (
	PathToken = "/cgi-bin/gettoken"
	PathSync  = "/cgi-bin/kf/sync_msg"
	PathSend  = "/cgi-bin/kf/send_msg"
	PathMedia = "/cgi-bin/media/get"
)

// Errcodes the fake answers.
const (
	ErrInvalidToken  = 40014
	ErrTokenExpired  = 42001
	ErrInvalidSecret = 40001
	ErrSendQuota     = 95001 // more than 5 replies since the customer's last message
	ErrSendWindow    = 95002 // more than 48 hours since the customer's last message
	ErrMsgToken      = 95007 // callback token unknown or older than 10 minutes
	ErrInvalidKfID   = 95000
)

// Reply rules WeCom applies to send_msg.
const (
	ReplyWindow = 48 * time.Hour
	ReplyQuota  = 5
	tokenLife   = 10 * time.Minute
)

// Media is a file media/get serves.
type Media struct {
	ContentType string
	FileName    string
	Data        []byte
}

type fault struct {
	n, errcode int
	errmsg     string
	status     int
}

type window struct {
	last time.Time // the customer's last message
	sent int       // replies since
}

// Server is the fake API for one corp and its 微信客服 secret.
type Server struct {
	srv    *httptest.Server
	corpID string
	secret string
	cipher *wxcrypt.Cipher

	mu        sync.Mutex
	changed   chan struct{}
	now       func() time.Time
	issued    int
	valid     map[string]bool // access token → still valid
	msgTokens map[string]time.Time
	accounts  map[string]bool
	logs      map[string][]wecomkf.Msg // per open_kfid, in order
	cursors   map[string]int           // opaque cursor → position in its log
	windows   map[string]*window       // open_kfid:external_userid
	posts     []wecomkf.SendRequest
	refused   []int
	media     map[string]Media
	faults    map[string]*fault
	requests  map[string]int
	seq       int
}

// New starts a fake; token and aesKey are the callback settings. It closes
// with the test.
func New(tb testing.TB, corpID, secret, token, aesKey string, openKfIDs ...string) *Server {
	tb.Helper()
	c, err := wxcrypt.New(token, aesKey, corpID)
	if err != nil {
		tb.Fatalf("wecomkffake: %v", err)
	}
	s := &Server{
		corpID: corpID, secret: secret, cipher: c,
		changed: make(chan struct{}), now: time.Now,
		valid: map[string]bool{}, msgTokens: map[string]time.Time{}, accounts: map[string]bool{},
		logs: map[string][]wecomkf.Msg{}, cursors: map[string]int{}, windows: map[string]*window{},
		media: map[string]Media{}, faults: map[string]*fault{}, requests: map[string]int{},
	}
	for _, k := range openKfIDs {
		s.accounts[k] = true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathToken, s.token)
	mux.HandleFunc("POST "+PathSync, s.sync)
	mux.HandleFunc("POST "+PathSend, s.send)
	mux.HandleFunc("GET "+PathMedia, s.mediaGet)
	s.srv = httptest.NewServer(s.count(mux))
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the API base, for the source's api_url.
func (s *Server) URL() string { return s.srv.URL }

// SetNow sets the clock the reply rules and token lifetimes read.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// ExpireTokens makes every issued access token answer 42001.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.valid {
		s.valid[k] = false
	}
}

// FailNext makes the next n calls of path answer errcode (status 200) or,
// with status other than 200, that HTTP status.
func (s *Server) FailNext(path string, n, errcode int, errmsg string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = &fault{n: n, errcode: errcode, errmsg: errmsg, status: status}
}

// Requests counts the calls of path so far.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// SetMedia makes media/get serve m for id.
func (s *Server) SetMedia(id string, m Media) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id] = m
}

// Add appends a message to its account's log and returns it with its
// msgid set. A customer's message (origin 3) opens a fresh reply window.
func (s *Server) Add(m wecomkf.Msg) wecomkf.Msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if m.MsgID == "" {
		m.MsgID = fmt.Sprintf("msg%06d", s.seq)
	}
	if m.SendTime == 0 {
		m.SendTime = s.now().Unix()
	}
	s.logs[m.OpenKfID] = append(s.logs[m.OpenKfID], m)
	if m.Origin == wecomkf.OriginCustomer {
		s.windows[m.OpenKfID+":"+m.ExternalUserID] = &window{last: time.Unix(m.SendTime, 0)}
	}
	return m
}

// CustomerText adds a customer's text message.
func (s *Server) CustomerText(kf, user, text string) wecomkf.Msg {
	return s.Add(wecomkf.Msg{OpenKfID: kf, ExternalUserID: user, Origin: wecomkf.OriginCustomer,
		MsgType: "text", Text: &wecomkf.TextBody{Content: text}})
}

// CustomerMenu adds a customer's tap on a menu entry: a text message with
// the entry's id.
func (s *Server) CustomerMenu(kf, user, id, content string) wecomkf.Msg {
	return s.Add(wecomkf.Msg{OpenKfID: kf, ExternalUserID: user, Origin: wecomkf.OriginCustomer,
		MsgType: "text", Text: &wecomkf.TextBody{Content: content, MenuID: id}})
}

// CustomerImage adds a customer's picture served by media/get.
func (s *Server) CustomerImage(kf, user, mediaID string, m Media) wecomkf.Msg {
	s.SetMedia(mediaID, m)
	return s.Add(wecomkf.Msg{OpenKfID: kf, ExternalUserID: user, Origin: wecomkf.OriginCustomer,
		MsgType: "image", Image: &wecomkf.MediaBody{MediaID: mediaID}})
}

// SessionChange adds a session_status_change system event.
func (s *Server) SessionChange(kf, user string, change int, oldServicer, newServicer string) wecomkf.Msg {
	return s.Add(wecomkf.Msg{OpenKfID: kf, Origin: wecomkf.OriginSystem, MsgType: "event",
		Event: &wecomkf.EventBody{EventType: wecomkf.EventSessionStatusChange, OpenKfID: kf, ExternalUserID: user,
			ChangeType: change, OldServicerUserID: oldServicer, NewServicerUserID: newServicer}})
}

// Posts returns the messages send_msg accepted.
func (s *Server) Posts() []wecomkf.SendRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]wecomkf.SendRequest(nil), s.posts...)
}

// Refused returns the errcodes send_msg answered under the reply rules.
func (s *Server) Refused() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.refused...)
}

// WaitPosts waits until at least n messages were accepted.
func (s *Server) WaitPosts(tb testing.TB, n int, timeout time.Duration) []wecomkf.SendRequest {
	tb.Helper()
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
			tb.Fatalf("wecomkffake: %d posts after %s, want %d: %+v", got, timeout, n, s.Posts())
		}
	}
}

// WaitRefused waits until at least n sends were refused.
func (s *Server) WaitRefused(tb testing.TB, n int, timeout time.Duration) []int {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, ch := len(s.refused), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Refused()
		}
		select {
		case <-ch:
		case <-deadline:
			tb.Fatalf("wecomkffake: %d refusals after %s, want %d", got, timeout, n)
		}
	}
}

// signal wakes waiters; callers hold mu.
func (s *Server) signal() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.URL.Path]++
		f := s.faults[r.URL.Path]
		if f != nil && f.n > 0 {
			f.n--
			s.mu.Unlock()
			if f.status != 0 && f.status != http.StatusOK {
				http.Error(w, f.errmsg, f.status)
				return
			}
			writeErr(w, f.errcode, f.errmsg)
			return
		}
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("corpid") != s.corpID || q.Get("corpsecret") != s.secret {
		writeErr(w, ErrInvalidSecret, "invalid credential")
		return
	}
	s.mu.Lock()
	s.issued++
	tok := "kftok-" + strconv.Itoa(s.issued)
	s.valid[tok] = true
	s.mu.Unlock()
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": 7200})
}

// authorized checks access_token; callers hold no lock.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	valid, known := s.valid[r.URL.Query().Get("access_token")]
	s.mu.Unlock()
	switch {
	case !known:
		writeErr(w, ErrInvalidToken, "invalid access_token")
	case !valid:
		writeErr(w, ErrTokenExpired, "access_token expired")
	default:
		return true
	}
	return false
}

func (s *Server) sync(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var req wecomkf.SyncRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, 47001, "data format error")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.OpenKfID == "" || !s.accounts[req.OpenKfID] {
		writeErr(w, ErrInvalidKfID, "invalid open_kfid")
		return
	}
	if req.Token != "" {
		at, ok := s.msgTokens[req.Token]
		if !ok || s.now().Sub(at) > tokenLife {
			writeErr(w, ErrMsgToken, "invalid msg token")
			return
		}
	}
	pos := 0
	if req.Cursor != "" {
		p, ok := s.cursors[req.OpenKfID+"|"+req.Cursor]
		if !ok {
			writeErr(w, 95008, "invalid cursor")
			return
		}
		pos = p
	}
	limit := req.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	log := s.logs[req.OpenKfID]
	end := min(pos+limit, len(log))
	next := randomCursor()
	s.cursors[req.OpenKfID+"|"+next] = end
	more := 0
	if end < len(log) {
		more = 1
	}
	writeJSON(w, wecomkf.SyncAnswer{ErrMsg: "ok", NextCursor: next, HasMore: more,
		MsgList: append([]wecomkf.Msg{}, log[pos:end]...)})
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var req wecomkf.SendRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErr(w, 47001, "data format error")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !s.accounts[req.OpenKfID]:
		writeErr(w, ErrInvalidKfID, "invalid open_kfid")
		return
	case req.ToUser == "":
		writeErr(w, 40003, "invalid external_userid")
		return
	case req.MsgType == "text" && (req.Text == nil || req.Text.Content == "" || len(req.Text.Content) > 2048):
		writeErr(w, 44004, "text content is empty or too long")
		return
	case req.MsgType == "msgmenu" && (req.MsgMenu == nil || len(req.MsgMenu.List) == 0):
		writeErr(w, 47001, "msgmenu list is empty")
		return
	case req.MsgType != "text" && req.MsgType != "msgmenu":
		writeErr(w, 40008, "invalid message type")
		return
	}
	win := s.windows[req.OpenKfID+":"+req.ToUser]
	switch {
	case win == nil || s.now().Sub(win.last) > ReplyWindow:
		s.refused = append(s.refused, ErrSendWindow)
		s.signal()
		writeErr(w, ErrSendWindow, "send msg out of 48 hours limit")
		return
	case win.sent >= ReplyQuota:
		s.refused = append(s.refused, ErrSendQuota)
		s.signal()
		writeErr(w, ErrSendQuota, "send msg count exceed limit")
		return
	}
	win.sent++
	id := req.MsgID
	if id == "" {
		id = "kfsend-" + strconv.Itoa(len(s.posts)+1)
	}
	s.posts = append(s.posts, req)
	s.signal()
	writeJSON(w, wecomkf.SendAnswer{ErrMsg: "ok", MsgID: id})
}

func (s *Server) mediaGet(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	m, ok := s.media[r.URL.Query().Get("media_id")]
	s.mu.Unlock()
	if !ok {
		writeErr(w, 40007, "invalid media_id")
		return
	}
	w.Header().Set("Content-Type", m.ContentType)
	if m.FileName != "" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+m.FileName+`"`)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(m.Data)))
	_, _ = w.Write(m.Data)
}

// Signed is one sealed callback: its query and POST body.
type Signed struct {
	Query url.Values
	Body  []byte
}

// Callback seals a kf_msg_or_event callback for an account, with a fresh
// token sync_msg accepts for ten minutes.
func (s *Server) Callback(openKfID string) (Signed, error) {
	s.mu.Lock()
	tok := "ENC" + randomCursor()
	s.msgTokens[tok] = s.now()
	now := s.now()
	s.mu.Unlock()
	plain, err := xml.Marshal(wecomkf.Callback{ToUserName: s.corpID, CreateTime: now.Unix(), MsgType: "event",
		Event: wecomkf.EventKfMsgOrEvent, Token: tok, OpenKfID: openKfID})
	if err != nil {
		return Signed{}, err
	}
	return s.Seal(plain)
}

// Seal encrypts and signs any decrypted callback.
func (s *Server) Seal(plain []byte) (Signed, error) {
	enc, err := s.cipher.Encrypt(nil, plain)
	if err != nil {
		return Signed{}, err
	}
	body, err := xml.Marshal(wecomkf.Envelope{ToUserName: s.corpID, Encrypt: enc})
	if err != nil {
		return Signed{}, err
	}
	return Signed{Query: s.sign(enc), Body: body}, nil
}

func (s *Server) sign(enc string) url.Values {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	n, _ := rand.Int(rand.Reader, big.NewInt(1e9))
	return url.Values{"msg_signature": {s.cipher.Signature(ts, n.String(), enc)}, "timestamp": {ts}, "nonce": {n.String()}}
}

// VerifyURL performs the GET URL check; the server must answer echo.
func (s *Server) VerifyURL(ctx context.Context, serverURL, sourceID, echo string) (*http.Response, error) {
	enc, err := s.cipher.Encrypt(nil, []byte(echo))
	if err != nil {
		return nil, err
	}
	q := s.sign(enc)
	q.Set("echostr", enc)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, serverURL+"/hooks/im/"+url.PathEscape(sourceID)+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

// Deliver POSTs a sealed callback to serverURL/hooks/im/{sourceID}.
func Deliver(ctx context.Context, serverURL, sourceID string, sg Signed) (*http.Response, error) {
	u := serverURL + "/hooks/im/" + url.PathEscape(sourceID) + "?" + sg.Query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(sg.Body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	return http.DefaultClient.Do(req)
}

func randomCursor() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, map[string]any{"errcode": code, "errmsg": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
