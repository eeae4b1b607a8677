// Package dingtalkfake plays DingTalk for tests of the dingtalk source:
// an httptest server with the APIs ticketbridge calls (both token
// endpoints, session webhooks, robot group and 1:1 sends, file download,
// user/get, the custom group robot verifying its sign) answering with
// DingTalk's error shapes, and helpers that sign robot callbacks and
// encrypt event pushes the way DingTalk does.
package dingtalkfake

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk"
)

// API paths, for FailNext and Requests.
const (
	PathToken    = "/v1.0/oauth2/accessToken"
	PathOldToken = "/gettoken"
	PathGroup    = "/v1.0/robot/groupMessages/send"
	PathOTO      = "/v1.0/robot/oToMessages/batchSend"
	PathDownload = "/v1.0/robot/messageFiles/download"
	PathUser     = "/topapi/v2/user/get"
	PathSession  = "/robot/sendBySession"
	PathCustom   = "/robot/send"
	pathFiles    = "/files/"
)

// Ways a post reached the fake.
const (
	ViaSession = "session"
	ViaGroup   = "group"
	ViaOTO     = "oto"
	ViaCustom  = "custom"
)

// Post is one message the fake accepted.
type Post struct {
	Via string
	// Conversation is the session's conversation (ViaSession), the
	// openConversationId (ViaGroup) or the custom robot's token.
	Conversation string
	Users        []string // ViaOTO
	RobotCode    string
	MsgKey       string
	Text         string
}

// File is what the download URL serves.
type File struct {
	ContentType string
	Name        string
	Data        []byte
}

// Fault is an injected answer.
type Fault struct {
	Status int    // HTTP status; 0 means 200
	Body   string // JSON body
	// RetryAfter, when set, is sent as the Retry-After header (seconds).
	RetryAfter int
}

type sessionState struct {
	conv    string
	expired bool
}

// Server is the fake. Tokens it issues are "tok-1", "tok-2", …
type Server struct {
	srv               *httptest.Server
	appKey, appSecret string
	now               func() time.Time
	mu                sync.Mutex
	changed           chan struct{}
	issued            int
	valid             map[string]bool // token → still valid
	tokenReqs         int
	posts             []Post
	sessions          map[string]*sessionState
	robots            map[string]string // custom robot access_token → secret
	files             map[string]File   // download code → file
	links             map[string]string // download link id → code
	users             map[string]dingtalk.UserInfo
	faults            map[string][]Fault
	requests          map[string]int
	invalidStaff      map[string]bool
}

// New starts a fake for one app. It closes with the test.
func New(tb testing.TB, appKey, appSecret string) *Server {
	tb.Helper()
	s := &Server{
		appKey: appKey, appSecret: appSecret, now: time.Now,
		changed:      make(chan struct{}),
		valid:        map[string]bool{},
		sessions:     map[string]*sessionState{},
		robots:       map[string]string{},
		files:        map[string]File{},
		links:        map[string]string{},
		users:        map[string]dingtalk.UserInfo{},
		faults:       map[string][]Fault{},
		requests:     map[string]int{},
		invalidStaff: map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathToken, s.token)
	mux.HandleFunc("GET "+PathOldToken, s.oldToken)
	mux.HandleFunc("POST "+PathGroup, s.groupSend)
	mux.HandleFunc("POST "+PathOTO, s.otoSend)
	mux.HandleFunc("POST "+PathDownload, s.download)
	mux.HandleFunc("POST "+PathUser, s.user)
	mux.HandleFunc("POST "+PathSession, s.sessionSend)
	mux.HandleFunc("POST "+PathCustom, s.customSend)
	mux.HandleFunc("GET "+pathFiles+"{id}", s.file)
	s.srv = httptest.NewServer(s.intercept(mux))
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the base of both API hosts, for api_url and oapi_url.
func (s *Server) URL() string { return s.srv.URL }

// SetNow sets the clock the custom robot's timestamp window reads.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// NewSession opens a session webhook for a conversation and returns its
// URL, as a robot callback would carry it.
func (s *Server) NewSession(conv string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := "s" + strconv.Itoa(len(s.sessions)+1)
	s.sessions[id] = &sessionState{conv: conv}
	return s.srv.URL + PathSession + "?session=" + id
}

// ExpireSessions makes every session webhook answer errcode 300001.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.sessions {
		st.expired = true
	}
}

// AddGroupRobot registers a custom robot and returns its webhook URL;
// secret "" means the robot does not sign.
func (s *Server) AddGroupRobot(accessToken, secret string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.robots[accessToken] = secret
	return s.srv.URL + PathCustom + "?access_token=" + accessToken
}

// ExpireTokens makes every token issued so far invalid.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.valid)
}

// TokenRequests counts calls to both token endpoints.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenReqs
}

// Requests counts calls to one path.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

// FailNext makes the next calls to path answer the faults, in order.
func (s *Server) FailNext(path string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = append(s.faults[path], faults...)
}

// SetFile makes a download code fetchable.
func (s *Server) SetFile(code string, f File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[code] = f
}

// SetUser adds a member for user/get.
func (s *Server) SetUser(u dingtalk.UserInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.UserID] = u
}

// SetInvalidStaff makes batchSend report a staff id as invalid.
func (s *Server) SetInvalidStaff(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidStaff[id] = true
}

// Posts returns the accepted posts, in order.
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

// addPost records a post; callers hold mu.
func (s *Server) addPost(p Post) {
	s.posts = append(s.posts, p)
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) intercept(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[r.URL.Path]++
		var f *Fault
		if q := s.faults[r.URL.Path]; len(q) > 0 {
			f, s.faults[r.URL.Path] = &q[0], q[1:]
		}
		s.mu.Unlock()
		if f != nil {
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(cmpOr(f.Status, http.StatusOK))
			_, _ = w.Write([]byte(f.Body))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func (s *Server) issue() string {
	s.issued++
	tok := "tok-" + strconv.Itoa(s.issued)
	s.valid[tok] = true
	return tok
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var req dingtalk.TokenRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiErr(w, http.StatusBadRequest, "MissingParameter", "body is not JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenReqs++
	if req.AppKey != s.appKey || subtle.ConstantTimeCompare([]byte(req.AppSecret), []byte(s.appSecret)) != 1 {
		apiErr(w, http.StatusBadRequest, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accessToken": s.issue(), "expireIn": 7200})
}

func (s *Server) oldToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenReqs++
	if q.Get("appkey") != s.appKey || q.Get("appsecret") != s.appSecret {
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": s.issue(), "expires_in": 7200})
}

// apiAuthorized checks the v1.0 token header; callers hold mu.
func (s *Server) apiAuthorized(w http.ResponseWriter, r *http.Request) bool {
	if !s.valid[r.Header.Get("x-acs-dingtalk-access-token")] {
		apiErr(w, http.StatusUnauthorized, "InvalidAuthentication", "不合法的access_token")
		return false
	}
	return true
}

func (s *Server) groupSend(w http.ResponseWriter, r *http.Request) {
	var req dingtalk.GroupSendRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiErr(w, http.StatusBadRequest, "InvalidParameter", "body is not JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.apiAuthorized(w, r) {
		return
	}
	text, ok := s.checkSend(w, req.RobotCode, req.MsgKey, req.MsgParam)
	if !ok {
		return
	}
	if req.OpenConversationID == "" {
		apiErr(w, http.StatusBadRequest, "invalidParameter.openConversationId", "openConversationId is required")
		return
	}
	s.addPost(Post{Via: ViaGroup, Conversation: req.OpenConversationID, RobotCode: req.RobotCode, MsgKey: req.MsgKey, Text: text})
	writeJSON(w, http.StatusOK, map[string]any{"processQueryKey": fmt.Sprintf("pqk-%d", len(s.posts))})
}

func (s *Server) otoSend(w http.ResponseWriter, r *http.Request) {
	var req dingtalk.OTOSendRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiErr(w, http.StatusBadRequest, "InvalidParameter", "body is not JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.apiAuthorized(w, r) {
		return
	}
	text, ok := s.checkSend(w, req.RobotCode, req.MsgKey, req.MsgParam)
	if !ok {
		return
	}
	var good, bad []string
	for _, u := range req.UserIDs {
		if s.invalidStaff[u] {
			bad = append(bad, u)
		} else {
			good = append(good, u)
		}
	}
	if len(good) > 0 {
		s.addPost(Post{Via: ViaOTO, Users: good, RobotCode: req.RobotCode, MsgKey: req.MsgKey, Text: text})
	}
	writeJSON(w, http.StatusOK, map[string]any{"processQueryKey": fmt.Sprintf("pqk-%d", len(s.posts)), "invalidStaffIdList": bad})
}

// checkSend validates robotCode and a sampleText msgParam; callers hold mu.
func (s *Server) checkSend(w http.ResponseWriter, robotCode, msgKey, msgParam string) (string, bool) {
	if robotCode != s.appKey {
		apiErr(w, http.StatusBadRequest, "resource.not.found", "机器人不存在")
		return "", false
	}
	var p struct {
		Content string `json:"content"`
	}
	if msgKey != "sampleText" || json.Unmarshal([]byte(msgParam), &p) != nil || p.Content == "" {
		apiErr(w, http.StatusBadRequest, "invalidParameter.msgParam", "msgParam does not match msgKey")
		return "", false
	}
	return p.Content, true
}

func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	var req dingtalk.DownloadRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiErr(w, http.StatusBadRequest, "InvalidParameter", "body is not JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.apiAuthorized(w, r) {
		return
	}
	if _, ok := s.files[req.DownloadCode]; !ok || req.RobotCode != s.appKey {
		apiErr(w, http.StatusBadRequest, "invalidParameter.downloadCode", "downloadCode 不合法")
		return
	}
	id := "f" + strconv.Itoa(len(s.links)+1)
	s.links[id] = req.DownloadCode
	writeJSON(w, http.StatusOK, map[string]any{"downloadUrl": s.srv.URL + pathFiles + id})
}

func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f, ok := s.files[s.links[r.PathValue("id")]]
	s.mu.Unlock()
	if !ok {
		http.Error(w, "AccessDenied", http.StatusForbidden)
		return
	}
	if f.ContentType != "" {
		w.Header().Set("Content-Type", f.ContentType)
	}
	if f.Name != "" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+f.Name+`"`)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(f.Data)))
	_, _ = w.Write(f.Data)
}

func (s *Server) user(w http.ResponseWriter, r *http.Request) {
	var req dingtalk.UserGetRequest
	_ = json.NewDecoder(r.Body).Decode(&req)
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := r.URL.Query().Get("access_token")
	if !s.valid[tok] {
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 40014, "errmsg": "不合法的access_token"})
		return
	}
	u, ok := s.users[req.UserID]
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 60121, "errmsg": "找不到该用户"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "result": u})
}

func (s *Server) sessionSend(w http.ResponseWriter, r *http.Request) {
	var msg dingtalk.TextMessage
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil || msg.MsgType != "text" || msg.Text.Content == "" {
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 40035, "errmsg": "缺少参数 json"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.sessions[r.URL.Query().Get("session")]
	if !ok || st.expired {
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 300001, "errmsg": "session 不存在或已过期"})
		return
	}
	s.addPost(Post{Via: ViaSession, Conversation: st.conv, MsgKey: msg.MsgType, Text: msg.Text.Content})
	writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok"})
}

func (s *Server) customSend(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var msg dingtalk.TextMessage
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil || msg.MsgType != "text" {
		writeJSON(w, http.StatusOK, map[string]any{"errcode": 40035, "errmsg": "缺少参数 json"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	secret, ok := s.robots[q.Get("access_token")]
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"errcode": errTokenMissing, "errmsg": "token is not exist"})
		return
	}
	if secret != "" {
		ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
		if err != nil || s.now().Sub(time.UnixMilli(ts)).Abs() >= time.Hour ||
			subtle.ConstantTimeCompare([]byte(q.Get("sign")), []byte(dingtalk.Sign(secret, ts))) != 1 {
			writeJSON(w, http.StatusOK, map[string]any{"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"})
			return
		}
	}
	s.addPost(Post{Via: ViaCustom, Conversation: q.Get("access_token"), MsgKey: msg.MsgType, Text: msg.Text.Content})
	writeJSON(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok"})
}

const errTokenMissing = 300001

func apiErr(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]string{"code": code, "message": message, "requestid": "req-fake"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
