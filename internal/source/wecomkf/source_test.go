package wecomkf_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/wecomkf"
	"github.com/ticketbridge/ticketbridge/internal/source/wecomkf/wecomkffake"
)

// The callback settings of WeCom's documentation example (the same
// vectors the wecom source is checked against).
const (
	corpID = "wx5823bf96d3bd56c7"
	token  = "QDG6eK"
	aesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	secret = "kf-secret"
	kfA    = "wkAAAA"
	kfB    = "wkBBBB"
)

// memCursors is the store's named cursors, in memory.
type memCursors struct {
	mu sync.Mutex
	m  map[string]string
}

func (c *memCursors) CursorGet(_ context.Context, name string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[name], nil
}

func (c *memCursors) CursorSet(_ context.Context, name, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[name] = value
	return nil
}

func newSource(t *testing.T, fake *wecomkffake.Server, cur wecomkf.Cursors, now func() time.Time) *wecomkf.Source {
	t.Helper()
	s, err := wecomkf.New("kf", wecomkf.Settings{CorpID: corpID, Secret: secret, Token: token, EncodingAESKey: aesKey,
		APIURL: fake.URL()}, cur, source.Deps{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// parse runs a sealed callback through Verify and Parse as ingress does.
func parse(t *testing.T, s *wecomkf.Source, sg wecomkffake.Signed) (core.Inbound, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/hooks/im/kf?"+sg.Query.Encode(), strings.NewReader(string(sg.Body)))
	if err := s.Verify(r, sg.Body); err != nil {
		return core.Inbound{}, err
	}
	return s.Parse(t.Context(), r, sg.Body)
}

func callback(t *testing.T, fake *wecomkffake.Server, kf string) wecomkffake.Signed {
	t.Helper()
	sg, err := fake.Callback(kf)
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

func ids(evs []core.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.EventID)
	}
	return out
}

// A message is read once: a crash after the pull but before the events
// are stored (Stored never runs) reads them again; once stored, the
// cursor moves and the next callback reads only what is new. Each
// account has its own cursor.
func TestPullCursorSurvivesACrashBetweenPullAndStore(t *testing.T) {
	t.Parallel()
	fake := wecomkffake.New(t, corpID, secret, token, aesKey, kfA, kfB)
	cur := &memCursors{m: map[string]string{}}
	s := newSource(t, fake, cur, time.Now)
	m1 := fake.CustomerText(kfA, "wmCust1", "我的订单 1042 被扣了两次款")
	m2 := fake.CustomerText(kfA, "wmCust1", "please help")
	other := fake.CustomerText(kfB, "wmCust2", "hello B")

	in, err := parse(t, s, callback(t, fake, kfA))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(in.Events); len(got) != 2 || got[0] != m1.MsgID || got[1] != m2.MsgID {
		t.Fatalf("first pull: %v", got)
	}
	// Killed before the store committed: Stored never ran.
	in, err = parse(t, s, callback(t, fake, kfA))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(in.Events); len(got) != 2 || got[0] != m1.MsgID {
		t.Fatalf("after a crash the same messages are read again (and deduplicated by the store): %v", got)
	}
	if err := in.Stored(t.Context()); err != nil {
		t.Fatal(err)
	}
	in, err = parse(t, s, callback(t, fake, kfA))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Events) != 0 {
		t.Fatalf("stored messages read again: %v", ids(in.Events))
	}
	m3 := fake.CustomerText(kfA, "wmCust1", "still waiting")
	in, err = parse(t, s, callback(t, fake, kfA))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(in.Events); len(got) != 1 || got[0] != m3.MsgID {
		t.Fatalf("new message: %v", got)
	}
	in, err = parse(t, s, callback(t, fake, kfB))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(in.Events); len(got) != 1 || got[0] != other.MsgID ||
		in.Events[0].Conversation.Conversation != kfB+":wmCust2" {
		t.Fatalf("account B: %+v", in.Events)
	}
}

// More than one page is read in one callback, following has_more.
func TestPullFollowsHasMore(t *testing.T) {
	t.Parallel()
	fake := wecomkffake.New(t, corpID, secret, token, aesKey, kfA)
	s := newSource(t, fake, &memCursors{m: map[string]string{}}, time.Now)
	for range 1005 {
		fake.CustomerText(kfA, "wmCust1", "x")
	}
	in, err := parse(t, s, callback(t, fake, kfA))
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Events) != 1005 || fake.Requests(wecomkffake.PathSync) != 2 {
		t.Fatalf("%d events in %d pages", len(in.Events), fake.Requests(wecomkffake.PathSync))
	}
}

// Origins and system events: the customer, the servicer (an agent), a
// tap on our prompt's menu, a servicer taking the session (handover, the
// platform's service_state 3) and the session ending.
func TestNormalize(t *testing.T) {
	t.Parallel()
	fake := wecomkffake.New(t, corpID, secret, token, aesKey, kfA)
	s := newSource(t, fake, &memCursors{m: map[string]string{}}, time.Now)
	fake.CustomerText(kfA, "wmC", "转人工")
	fake.SessionChange(kfA, "wmC", wecomkf.ChangeFromPool, "", "zhangsan")
	fake.Add(wecomkf.Msg{OpenKfID: kfA, ExternalUserID: "wmC", Origin: wecomkf.OriginServicer, ServicerUserID: "zhangsan",
		MsgType: "text", Text: &wecomkf.TextBody{Content: "您好，我是张三"}})
	fake.CustomerMenu(kfA, "wmC", "tb:confirm:tok123", "是 Yes")
	fake.CustomerImage(kfA, "wmC", "MEDIA1", wecomkffake.Media{ContentType: "image/png", Data: []byte("png")})
	fake.Add(wecomkf.Msg{OpenKfID: kfA, ExternalUserID: "wmC", Origin: wecomkf.OriginCustomer, MsgType: "business_card"})
	fake.Add(wecomkf.Msg{OpenKfID: kfA, Origin: wecomkf.OriginSystem, MsgType: "event",
		Event: &wecomkf.EventBody{EventType: wecomkf.EventEnterSession, OpenKfID: kfA, ExternalUserID: "wmC", WelcomeCode: "W"}})
	fake.SessionChange(kfA, "wmC", wecomkf.ChangeEnd, "zhangsan", "")
	in, err := parse(t, s, callback(t, fake, kfA))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind   core.EventKind
		role   core.Role
		sender string
		check  func(core.Event) bool
	}{
		{core.KindMessage, core.RoleCustomer, "wmC", func(e core.Event) bool { return e.Text == "转人工" }},
		{core.KindHandover, core.RoleAgent, "zhangsan", func(e core.Event) bool { return e.Meta[wecomkf.MetaServiceState] == wecomkf.StateHuman }},
		{core.KindMessage, core.RoleAgent, "zhangsan", func(e core.Event) bool { return e.Text == "您好，我是张三" }},
		{core.KindCommand, core.RoleCustomer, "wmC", func(e core.Event) bool {
			return e.Action == core.ActionConfirm && e.Meta[wecomkf.MetaToken] == "tok123"
		}},
		{core.KindMessage, core.RoleCustomer, "wmC", func(e core.Event) bool {
			return len(e.Attachments) == 1 && e.Attachments[0].ID == "MEDIA1"
		}},
		{core.KindConversationEnded, core.RoleAgent, "zhangsan", func(e core.Event) bool { return e.Meta[wecomkf.MetaServiceState] == wecomkf.StateEnded }},
	}
	if len(in.Events) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(in.Events), len(want), in.Events)
	}
	for i, w := range want {
		e := in.Events[i]
		if e.Kind != w.kind || e.Sender.Role != w.role || e.Sender.ID != w.sender || !w.check(e) ||
			e.Conversation != (core.ConversationRef{Source: "kf", Conversation: kfA + ":wmC"}) {
			t.Errorf("event %d: %+v", i, e)
		}
	}
}

// The access token is cached, and renewed once when WeCom says it
// expired; a callback that does not verify is refused.
func TestTokenRefreshAndRefusals(t *testing.T) {
	t.Parallel()
	fake := wecomkffake.New(t, corpID, secret, token, aesKey, kfA)
	s := newSource(t, fake, &memCursors{m: map[string]string{}}, time.Now)
	fake.CustomerText(kfA, "wmC", "one")
	for range 2 {
		if _, err := parse(t, s, callback(t, fake, kfA)); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.Requests(wecomkffake.PathToken); n != 1 {
		t.Fatalf("%d token requests, want 1 (cached)", n)
	}
	fake.ExpireTokens()
	if _, err := parse(t, s, callback(t, fake, kfA)); err != nil {
		t.Fatal(err)
	}
	if n := fake.Requests(wecomkffake.PathToken); n != 2 {
		t.Fatalf("%d token requests, want 2 (renewed on 42001)", n)
	}

	sg := callback(t, fake, kfA)
	sg.Query.Set("msg_signature", strings.Repeat("0", 40))
	if _, err := parse(t, s, sg); !errors.Is(err, core.ErrBadSignature) {
		t.Fatalf("forged signature: %v", err)
	}
	r := httptest.NewRequest(http.MethodPost, "/hooks/im/kf", nil)
	if err := s.CheckHeaders(r); !errors.Is(err, core.ErrBadSignature) {
		t.Fatalf("no signature: %v", err)
	}
	// A callback token WeCom no longer accepts: the read is repeated
	// without it (the token is optional).
	fake.CustomerText(kfA, "wmC", "two")
	fake.FailNext(wecomkffake.PathSync, 1, wecomkffake.ErrMsgToken, "invalid msg token", 0)
	in, err := parse(t, s, callback(t, fake, kfA))
	if err != nil || len(in.Events) != 2 {
		t.Fatalf("stale token: %v %v", err, ids(in.Events))
	}
	// WeCom down: the request fails (WeCom delivers the callback again)
	// and the cursor stays where it was.
	fake.FailNext(wecomkffake.PathSync, 1, 0, "down", http.StatusBadGateway)
	if _, err := parse(t, s, callback(t, fake, kfA)); !errors.Is(err, core.ErrUnavailable) || core.IsPermanent(err) {
		t.Fatalf("502: %v", err)
	}
}

// send_msg: text and the prompt menu go out; the sixth reply to one
// customer message and a reply after 48 hours are refused as
// core.ErrSendRefused (permanent), and a new customer message opens the
// window again.
func TestPostReplyRules(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fake := wecomkffake.New(t, corpID, secret, token, aesKey, kfA)
	fake.SetNow(clock)
	s := newSource(t, fake, &memCursors{m: map[string]string{}}, clock)
	to := core.ConversationRef{Source: "kf", Conversation: kfA + ":wmC"}
	fake.CustomerText(kfA, "wmC", "help")

	if _, err := s.Post(t.Context(), to, core.OutboundMessage{Text: "Shall I open a ticket?", Key: "k0",
		Prompt: &core.Prompt{Token: "tok1", Confirm: "是", Reject: "否"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := s.Post(t.Context(), to, core.OutboundMessage{Text: "reply", Key: "k" + string(rune('1'+i))}); err != nil {
			t.Fatalf("reply %d: %v", i+2, err)
		}
	}
	_, err := s.Post(t.Context(), to, core.OutboundMessage{Text: "sixth"})
	if !errors.Is(err, core.ErrSendRefused) || !core.IsPermanent(err) {
		t.Fatalf("sixth reply: %v", err)
	}
	posts := fake.Posts()
	if len(posts) != 5 || posts[0].MsgType != "msgmenu" || posts[0].MsgMenu.List[0].Click.ID != "tb:confirm:tok1" ||
		posts[0].MsgMenu.List[1].Click.ID != "tb:reject:tok1" || posts[1].ToUser != "wmC" || posts[1].OpenKfID != kfA ||
		posts[1].MsgID == "" {
		t.Fatalf("posts: %+v", posts)
	}

	fake.CustomerText(kfA, "wmC", "any news?")
	if _, err := s.Post(t.Context(), to, core.OutboundMessage{Text: "yes"}); err != nil {
		t.Fatalf("after a new customer message: %v", err)
	}
	mu.Lock()
	now = now.Add(48*time.Hour + time.Minute)
	mu.Unlock()
	if _, err := s.Post(t.Context(), to, core.OutboundMessage{Text: "late"}); !errors.Is(err, core.ErrSendRefused) {
		t.Fatalf("after 48 hours: %v", err)
	}
	if got := fake.Refused(); len(got) != 2 || got[0] != wecomkffake.ErrSendQuota || got[1] != wecomkffake.ErrSendWindow {
		t.Fatalf("refusals: %v", got)
	}
	// Throttling is not a refusal: it is retried later.
	fake.FailNext(wecomkffake.PathSend, 1, 45009, "api freq out of limit", 0)
	if _, err := s.Post(t.Context(), to, core.OutboundMessage{Text: "x"}); core.IsPermanent(err) || errors.Is(err, core.ErrSendRefused) {
		t.Fatalf("throttled: %v", err)
	}
}

// media/get streams the customer's file; an errcode answer is an error,
// never the file.
func TestFetchAttachment(t *testing.T) {
	t.Parallel()
	fake := wecomkffake.New(t, corpID, secret, token, aesKey, kfA)
	s := newSource(t, fake, &memCursors{m: map[string]string{}}, time.Now)
	fake.SetMedia("M1", wecomkffake.Media{ContentType: "image/png", FileName: "receipt.png", Data: []byte("\x89PNG....")})
	rc, a, err := s.FetchAttachment(t.Context(), core.Attachment{ID: "M1", Name: "image.jpg"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "\x89PNG...." || a.Name != "receipt.png" || a.ContentType != "image/png" || a.Size != 8 {
		t.Fatalf("%+v %q", a, data)
	}
	if _, _, err := s.FetchAttachment(t.Context(), core.Attachment{ID: "gone"}); !core.IsPermanent(err) {
		t.Fatalf("unknown media: %v", err)
	}
}

// The GET URL check answers the decrypted echostr.
func TestURLCheck(t *testing.T) {
	t.Parallel()
	fake := wecomkffake.New(t, corpID, secret, token, aesKey, kfA)
	s := newSource(t, fake, &memCursors{m: map[string]string{}}, time.Now)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hooks/im/kf", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Verify(r, nil); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		in, err := s.Parse(r.Context(), r, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = w.Write(in.Reply.Body)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := fake.VerifyURL(t.Context(), srv.URL, "kf", "1616140317555161061")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(b) != "1616140317555161061" {
		t.Fatalf("%s %q", resp.Status, b)
	}
}

// Settings: each missing key is named.
func TestSettings(t *testing.T) {
	t.Parallel()
	base := wecomkf.Settings{CorpID: corpID, Secret: secret, Token: token, EncodingAESKey: aesKey}
	cases := map[string]struct {
		edit func(*wecomkf.Settings)
		want string
	}{
		"no secret":   {func(s *wecomkf.Settings) { s.Secret = "" }, "secret: required"},
		"bad aes key": {func(s *wecomkf.Settings) { s.EncodingAESKey = "short" }, "encoding_aes_key"},
		"bad url":     {func(s *wecomkf.Settings) { s.APIURL = "ftp://x" }, "api_url"},
		"budget":      {func(s *wecomkf.Settings) { s.PullBudget = 10 * time.Second }, "pull_budget"},
		"empty kfid":  {func(s *wecomkf.Settings) { s.OpenKfIDs = []string{""} }, "open_kfids[0]"},
	}
	for name, c := range cases {
		s := base
		c.edit(&s)
		_, err := wecomkf.New("kf", s, nil, source.Deps{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
