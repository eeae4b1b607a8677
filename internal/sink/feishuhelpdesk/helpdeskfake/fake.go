// Package helpdeskfake plays Feishu Helpdesk (飞书服务台) for tests of the
// feishu_helpdesk sink: the tenant_access_token endpoint, the contact
// look-up by e-mail, start_service, tickets, ticket messages and ticket
// fields, each helpdesk call checked for both credentials
// (Authorization: Bearer and X-Lark-Helpdesk-Authorization), a rate
// limit answered with 429, code 99991400 and x-ogw-ratelimit-reset, and
// encrypted, signed event deliveries (url_verification,
// helpdesk.ticket.updated_v1, helpdesk.ticket_message.created_v1).
package helpdeskfake

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/larkcrypt"
	"github.com/ticketbridge/ticketbridge/internal/sink/feishuhelpdesk"
)

// Options are the fake's credentials; zero values get defaults.
type Options struct {
	AppID, AppSecret          string
	HelpdeskID, HelpdeskToken string
	EncryptKey, Token         string
	// PerSecond is the rate limit over all helpdesk calls; default 10.
	PerSecond int
	Now       func() time.Time
}

// Feishu codes the fake answers with.
const (
	CodeTokenInvalid = 99991663
	CodeRateLimit    = 99991400
	CodeBadParam     = 99992402
	CodeNotFound     = 155404
)

// Message is one message of a ticket's service chat.
type Message struct {
	feishuhelpdesk.TicketMessage
	SenderType int
}

type ticket struct {
	feishuhelpdesk.Ticket
	messages []Message
}

// Server is the fake helpdesk.
type Server struct {
	o   Options
	srv *httptest.Server

	mu       sync.Mutex
	changed  chan struct{}
	tokens   map[string]bool
	issued   int
	users    map[string]string // e-mail → open_id
	fields   []feishuhelpdesk.FieldDef
	tickets  []*ticket
	nextID   int
	window   time.Time
	inWindow int
	loseNext bool
	paths    map[string]int
}

// New starts a fake that closes with the test.
func New(tb testing.TB, o Options) *Server {
	tb.Helper()
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&o.AppID, "cli_helpdesk")
	def(&o.AppSecret, "app-secret")
	def(&o.HelpdeskID, "6834008923")
	def(&o.HelpdeskToken, "ht-secret")
	def(&o.EncryptKey, "helpdesk-encrypt-key")
	def(&o.Token, "helpdesk-verification-token")
	if o.PerSecond == 0 {
		o.PerSecond = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{o: o, changed: make(chan struct{}), tokens: map[string]bool{}, users: map[string]string{},
		nextID: 6900000000000000000, paths: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /open-apis/auth/v3/tenant_access_token/internal", s.token)
	mux.HandleFunc("POST /open-apis/contact/v3/users/batch_get_id", s.authed(false, s.batchGetID))
	mux.HandleFunc("POST /open-apis/helpdesk/v1/start_service", s.authed(true, s.startService))
	mux.HandleFunc("GET /open-apis/helpdesk/v1/tickets", s.authed(true, s.list))
	mux.HandleFunc("GET /open-apis/helpdesk/v1/tickets/{id}", s.authed(true, s.get))
	mux.HandleFunc("POST /open-apis/helpdesk/v1/tickets/{id}/messages", s.authed(true, s.postMessage))
	mux.HandleFunc("GET /open-apis/helpdesk/v1/tickets/{id}/messages", s.authed(true, s.listMessages))
	mux.HandleFunc("GET /open-apis/helpdesk/v1/ticket_customized_fields", s.authed(true, s.listFields))
	s.srv = httptest.NewServer(mux)
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the API base, for the sink's api_url.
func (s *Server) URL() string { return s.srv.URL }

// Options returns the credentials in use.
func (s *Server) Options() Options { return s.o }

// AddUser makes the contact look-up find an e-mail.
func (s *Server) AddUser(email, openID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[strings.ToLower(email)] = openID
}

// AddField defines a ticket field.
func (s *Server) AddField(keyName, displayName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fields = append(s.fields, feishuhelpdesk.FieldDef{ID: strconv.Itoa(len(s.fields) + 1), KeyName: keyName, DisplayName: displayName})
}

// ExpireTokens makes every issued tenant token invalid.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// LoseNextStartService makes the next start_service act and then drop
// the connection before answering.
func (s *Server) LoseNextStartService() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNext = true
}

// Calls counts the requests to a path pattern's prefix ("POST /open-apis/helpdesk/v1/start_service").
func (s *Server) Calls(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paths[key]
}

// Tickets returns the tickets, oldest first.
func (s *Server) Tickets() []feishuhelpdesk.Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]feishuhelpdesk.Ticket, len(s.tickets))
	for i, t := range s.tickets {
		out[i] = t.Ticket
	}
	return out
}

// Messages returns a ticket's messages, oldest first.
func (s *Server) Messages(ticketID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.find(ticketID); t != nil {
		return append([]Message(nil), t.messages...)
	}
	return nil
}

// WaitMessages waits until a ticket has at least n messages.
func (s *Server) WaitMessages(tb testing.TB, ticketID string, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, ch := 0, s.changed
		if t := s.find(ticketID); t != nil {
			got = len(t.messages)
		}
		s.mu.Unlock()
		if got >= n {
			return s.Messages(ticketID)
		}
		select {
		case <-ch:
		case <-deadline:
			tb.Fatalf("helpdeskfake: ticket %s has %d messages after %s, want %d", ticketID, got, timeout, n)
		}
	}
}

// WaitTickets waits until there are at least n tickets.
func (s *Server) WaitTickets(tb testing.TB, n int, timeout time.Duration) []feishuhelpdesk.Ticket {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		got, ch := len(s.tickets), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Tickets()
		}
		select {
		case <-ch:
		case <-deadline:
			tb.Fatalf("helpdeskfake: %d tickets after %s, want %d", got, timeout, n)
		}
	}
}

func (s *Server) signal() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) find(id string) *ticket {
	for _, t := range s.tickets {
		if t.TicketID == id {
			return t
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "msg": msg})
}

func ok(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "msg": "success", "data": data})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID     string `json:"app_id"`
		AppSecret string `json:"app_secret"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || req.AppID != s.o.AppID || req.AppSecret != s.o.AppSecret {
		writeJSON(w, http.StatusOK, map[string]any{"code": 10014, "msg": "app secret invalid"})
		return
	}
	s.mu.Lock()
	s.issued++
	tok := fmt.Sprintf("t-%d", s.issued)
	s.tokens[tok] = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "msg": "ok", "tenant_access_token": tok, "expire": 7200})
}

// authed checks the tenant token and, for helpdesk calls, the helpdesk
// credentials and the rate limit.
func (s *Server) authed(helpdesk bool, h http.HandlerFunc) http.HandlerFunc {
	want := base64.StdEncoding.EncodeToString([]byte(s.o.HelpdeskID + ":" + s.o.HelpdeskToken))
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.paths[r.Method+" "+r.URL.Path]++
		valid := s.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		limited := false
		if helpdesk {
			now := s.o.Now()
			if now.Sub(s.window) >= time.Second {
				s.window, s.inWindow = now, 0
			}
			s.inWindow++
			limited = s.inWindow > s.o.PerSecond
		}
		s.mu.Unlock()
		switch {
		case !valid:
			fail(w, http.StatusBadRequest, CodeTokenInvalid, "Invalid access token for authorization. Please make a request with token attached.")
		case helpdesk && r.Header.Get("X-Lark-Helpdesk-Authorization") != want:
			fail(w, http.StatusUnauthorized, 155401, "helpdesk authorization failed")
		case limited:
			w.Header().Set("x-ogw-ratelimit-limit", strconv.Itoa(s.o.PerSecond))
			w.Header().Set("x-ogw-ratelimit-reset", "1")
			fail(w, http.StatusTooManyRequests, CodeRateLimit, "request trigger frequency limit")
		default:
			h(w, r)
		}
	}
}

func (s *Server) batchGetID(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Emails []string `json:"emails"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || r.URL.Query().Get("user_id_type") != "open_id" {
		fail(w, http.StatusBadRequest, CodeBadParam, "invalid param")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []map[string]string{}
	for _, e := range req.Emails {
		entry := map[string]string{"email": e}
		if id, ok := s.users[strings.ToLower(e)]; ok {
			entry["user_id"] = id
		}
		list = append(list, entry)
	}
	ok(w, map[string]any{"user_list": list})
}

func (s *Server) startService(w http.ResponseWriter, r *http.Request) {
	var req feishuhelpdesk.StartService
	if json.NewDecoder(r.Body).Decode(&req) != nil || !strings.HasPrefix(req.OpenID, "ou_") {
		fail(w, http.StatusBadRequest, CodeBadParam, "open_id is invalid")
		return
	}
	if len([]rune(req.CustomizedInfo)) > 1024 {
		fail(w, http.StatusBadRequest, CodeBadParam, "customized_info is longer than 1024")
		return
	}
	if len(req.AppointedAgents) > 0 && !req.HumanService {
		fail(w, http.StatusBadRequest, CodeBadParam, "human_service must be true with appointed_agents")
		return
	}
	s.mu.Lock()
	s.nextID++
	now := s.o.Now()
	stage := feishuhelpdesk.StageBot
	if req.HumanService {
		stage = feishuhelpdesk.StageHuman
	}
	t := &ticket{Ticket: feishuhelpdesk.Ticket{TicketID: strconv.Itoa(s.nextID), HelpdeskID: s.o.HelpdeskID,
		Guest: &feishuhelpdesk.User{ID: req.OpenID}, Stage: stage, TicketType: stage, Status: feishuhelpdesk.StatusCreated,
		Solve: feishuhelpdesk.SolveNo, Channel: feishuhelpdesk.ChannelOpenAPI, CreatedAt: now.UnixMilli(), UpdatedAt: now.UnixMilli(),
		ChatID: "oc_" + randomHex(16), CustomizedInfo: req.CustomizedInfo}}
	s.tickets = append(s.tickets, t)
	lose := s.loseNext
	s.loseNext = false
	s.signal()
	s.mu.Unlock()
	if lose {
		if hj, okh := w.(http.Hijacker); okh {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	ok(w, map[string]string{"chat_id": t.ChatID})
}

// list answers like the API: filters, pages, and no customized_info (it
// comes only with a ticket's details).
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	size, _ := strconv.Atoi(q.Get("page_size"))
	if page < 1 || size < 1 || size > 100 {
		fail(w, http.StatusBadRequest, CodeBadParam, "page and page_size (1-100) are required")
		return
	}
	start, _ := strconv.ParseInt(q.Get("create_time_start"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []feishuhelpdesk.Ticket
	for _, t := range s.tickets {
		if q.Get("guest_id") != "" && t.Guest.ID != q.Get("guest_id") ||
			q.Get("channel") != "" && strconv.Itoa(t.Channel) != q.Get("channel") ||
			start > 0 && t.CreatedAt < start {
			continue
		}
		c := t.Ticket
		c.CustomizedInfo, c.ChatID = "", ""
		match = append(match, c)
	}
	from := min((page-1)*size, len(match))
	to := min(from+size, len(match))
	ok(w, feishuhelpdesk.TicketList{Total: len(match), Tickets: append([]feishuhelpdesk.Ticket{}, match[from:to]...)})
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.find(r.PathValue("id"))
	if t == nil {
		fail(w, http.StatusBadRequest, CodeNotFound, "ticket not found")
		return
	}
	ok(w, map[string]any{"ticket": t.Ticket})
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	var req feishuhelpdesk.MessageBody
	var content struct {
		Text string `json:"text"`
	}
	if json.NewDecoder(r.Body).Decode(&req) != nil || req.MsgType != "text" ||
		json.Unmarshal([]byte(req.Content), &content) != nil || content.Text == "" {
		fail(w, http.StatusBadRequest, CodeBadParam, "msg_type must be text and content a text message's JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.find(r.PathValue("id"))
	if t == nil {
		fail(w, http.StatusBadRequest, CodeNotFound, "ticket not found")
		return
	}
	m := Message{SenderType: feishuhelpdesk.SenderBot, TicketMessage: feishuhelpdesk.TicketMessage{
		ID: strconv.Itoa(len(t.messages) + 1), MessageID: "om_" + randomHex(12), MessageType: "text",
		CreatedAt: s.o.Now().UnixMilli(), Content: content.Text, UserName: "Helpdesk"}}
	t.messages = append(t.messages, m)
	s.signal()
	ok(w, map[string]string{"message_id": m.MessageID})
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.find(r.PathValue("id"))
	if t == nil {
		fail(w, http.StatusBadRequest, CodeNotFound, "ticket not found")
		return
	}
	out := []feishuhelpdesk.TicketMessage{}
	for _, m := range t.messages {
		out = append(out, m.TicketMessage)
	}
	ok(w, map[string]any{"messages": out, "total": len(out)})
}

func (s *Server) listFields(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ok(w, map[string]any{"has_more": false, "items": append([]feishuhelpdesk.FieldDef{}, s.fields...)})
}

// Events.

// Challenge is the url_verification delivery's plaintext.
func (s *Server) Challenge(challenge string) []byte {
	b, _ := json.Marshal(map[string]string{"challenge": challenge, "token": s.o.Token, "type": "url_verification"})
	return b
}

func (s *Server) event(eventType string, body any) []byte {
	b, _ := json.Marshal(map[string]any{"schema": "2.0",
		"header": map[string]string{"event_id": randomHex(16), "event_type": eventType, "token": s.o.Token,
			"create_time": strconv.FormatInt(s.o.Now().UnixMilli(), 10), "app_id": s.o.AppID, "tenant_key": "tenant"},
		"event": body})
	return b
}

// SetStatus changes a ticket's status (solved or not) and returns the
// helpdesk.ticket.updated_v1 delivery.
func (s *Server) SetStatus(ticketID string, status int, solved bool) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.find(ticketID)
	if t == nil {
		return nil, fmt.Errorf("helpdeskfake: no ticket %s", ticketID)
	}
	old := map[string]any{"status": t.Status, "updated_at": t.UpdatedAt}
	t.Status, t.UpdatedAt = status, s.o.Now().UnixMilli()
	if solved {
		t.Solve = feishuhelpdesk.SolveYes
	}
	return s.event(feishuhelpdesk.EventTicketUpdated, map[string]any{"object": t.Ticket, "old_object": old}), nil
}

// TakeOver moves a bot-stage ticket to an agent and returns the
// helpdesk.ticket.updated_v1 delivery.
func (s *Server) TakeOver(ticketID, agentOpenID, agentName string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.find(ticketID)
	if t == nil {
		return nil, fmt.Errorf("helpdeskfake: no ticket %s", ticketID)
	}
	old := map[string]any{"stage": t.Stage, "status": t.Status}
	t.Stage, t.TicketType, t.Status = feishuhelpdesk.StageHuman, feishuhelpdesk.StageHuman, feishuhelpdesk.StatusProcessing
	t.Agents = []feishuhelpdesk.User{{ID: agentOpenID, Name: agentName}}
	return s.event(feishuhelpdesk.EventTicketUpdated, map[string]any{"object": t.Ticket, "old_object": old}), nil
}

// Say adds a message to the ticket's chat from an agent (SenderAgent),
// the guest (SenderGuest) or the bot, and returns the
// helpdesk.ticket_message.created_v1 delivery.
func (s *Server) Say(ticketID string, senderType int, senderOpenID, text string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.find(ticketID)
	if t == nil {
		return nil, fmt.Errorf("helpdeskfake: no ticket %s", ticketID)
	}
	m := Message{SenderType: senderType, TicketMessage: feishuhelpdesk.TicketMessage{ID: strconv.Itoa(len(t.messages) + 1),
		MessageID: "om_" + randomHex(12), MessageType: "text", CreatedAt: s.o.Now().UnixMilli(), Content: text, UserID: senderOpenID}}
	t.messages = append(t.messages, m)
	s.signal()
	body := map[string]any{"ticket_message_id": m.ID, "message_id": m.MessageID, "msg_type": "text",
		"sender_type": senderType, "text": text, "chat_id": t.ChatID,
		"ticket": map[string]any{"ticket_id": t.TicketID}, "content": map[string]any{"content": text, "msg_type": "text"}}
	if senderType != feishuhelpdesk.SenderBot {
		body["sender_id"] = map[string]string{"open_id": senderOpenID}
	}
	return s.event(feishuhelpdesk.EventMessageCreated, body), nil
}

// Deliver encrypts and signs plain as Feishu does and POSTs it to
// serverURL/hooks/tickets/{sinkID}.
func (s *Server) Deliver(ctx context.Context, serverURL, sinkID string, plain []byte) (*http.Response, error) {
	req, err := s.Request(ctx, serverURL+"/hooks/tickets/"+url.PathEscape(sinkID), plain, true)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

// Request builds a delivery; signed false leaves the signature headers
// out (as for the URL verification).
func (s *Server) Request(ctx context.Context, target string, plain []byte, signed bool) (*http.Request, error) {
	enc, err := larkcrypt.Encrypt(s.o.EncryptKey, plain, rand.Reader)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]string{"encrypt": enc})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if signed {
		ts, nonce := strconv.FormatInt(s.o.Now().Unix(), 10), randomHex(8)
		req.Header.Set(larkcrypt.HeaderTimestamp, ts)
		req.Header.Set(larkcrypt.HeaderNonce, nonce)
		req.Header.Set(larkcrypt.HeaderSignature, larkcrypt.Signature(ts, nonce, s.o.EncryptKey, body))
	}
	return req, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
