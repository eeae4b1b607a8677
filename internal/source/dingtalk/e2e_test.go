package dingtalk_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk"
	"github.com/ticketbridge/ticketbridge/internal/source/dingtalk/dingtalkfake"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// The whole app on a fresh store: DingTalk's check_url push, a signed
// "/ticket …" in a group (delivered twice, as DingTalk retries), a ticket
// on the local desk with its notice through the session webhook; then the
// session is gone, the agent solves the ticket, and the group gets the
// "resolved" message through the robot API.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	fake := dingtalkfake.New(t, appKey, appSecret)
	fake.SetUser(dingtalk.UserInfo{UserID: "manager4921", Name: "张三", OrgEmail: "zhangsan@corp.example"})
	src := config.NewConnector("sources[0]", "dt", dingtalk.Type)
	for k, v := range map[string]any{
		"app_key": appKey, "app_secret": appSecret, "mode": "both",
		"token": vecToken, "aes_key": vecAESKey, "owner_key": vecOwnerKey,
		"api_url": fake.URL(), "oapi_url": fake.URL(),
	} {
		src.Set(k, v)
	}
	cfg := &config.Config{
		Storage: config.Storage{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "tb.db")},
		Sources: []config.Connector{src},
		Sinks:   []config.Connector{config.NewConnector("sinks[0]", "desk", "local")},
		Routes: []config.Route{{
			Name: "support", Sources: []string{"dt"}, Sink: "desk",
			Trigger: config.Trigger{Command: "ticket"},
		}},
	}
	// The fake listens on loopback, which connectors may not call unless
	// allowed.
	cfg.Security.AllowOutbound = []string{"127.0.0.0/8"}
	cfg.WithDefaults()
	if ps := cfg.Validate(); len(ps) > 0 {
		t.Fatalf("config: %v", ps)
	}
	a, err := app.New(t.Context(), cfg, app.Options{Store: teststore.SQLite(t), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		if err := a.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ctx := t.Context()

	p, err := dingtalkfake.NewPusher(vecToken, vecAESKey, vecOwnerKey)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Push(ctx, srv.URL, "dt", []byte(`{"EventType":"check_url"}`))
	body := readResp(t, resp, err)
	if msg, err := p.OpenReply([]byte(body)); resp.StatusCode != http.StatusOK || err != nil || msg != "success" {
		t.Fatalf("check_url: %s %q (%v)", resp.Status, body, err)
	}

	rb := dingtalkfake.Robot{AppSecret: appSecret}
	msg := dingtalkfake.Text("cidGroup1==", "manager4921", "张三", "msgE2E1", " /ticket 打印机卡纸 printer on floor 3 jams",
		fake.NewSession("cidGroup1=="), time.Now())
	for i := range 2 {
		resp, err := rb.Send(ctx, srv.URL, "dt", msg)
		if body := readResp(t, resp, err); resp.StatusCode != http.StatusOK || body != "{}" {
			t.Fatalf("delivery %d: %s %q", i, resp.Status, body)
		}
	}
	forged := dingtalkfake.Robot{AppSecret: "not-the-secret"}
	resp, err = forged.Send(ctx, srv.URL, "dt", msg)
	if readResp(t, resp, err); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged: %s", resp.Status)
	}
	stale := dingtalkfake.Robot{AppSecret: appSecret, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}
	resp, err = stale.Send(ctx, srv.URL, "dt", msg)
	if readResp(t, resp, err); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("stale: %s", resp.Status)
	}

	posts := fake.WaitPosts(1, 15*time.Second)
	if len(posts) != 1 || posts[0].Via != dingtalkfake.ViaSession || posts[0].Conversation != "cidGroup1==" {
		t.Fatalf("created notice: %+v", posts)
	}
	tickets, err := a.Store.DeskList(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(tickets) != 1 || !strings.Contains(tickets[0].Title, "printer on floor 3") {
		t.Fatalf("desk: %+v", tickets)
	}
	// Redaction masks the mailbox; the domain proves the lookup ran.
	if !strings.HasSuffix(tickets[0].Requester.Email, "@corp.example") {
		t.Fatalf("requester %+v, want the looked-up user", tickets[0].Requester)
	}
	if !strings.Contains(posts[0].Text, tickets[0].Key) {
		t.Fatalf("created notice %q does not name %s", posts[0].Text, tickets[0].Key)
	}

	// The session webhook stops working; the robot API takes over.
	fake.ExpireSessions()
	if _, err := a.Desk.SetStatus(ctx, tickets[0].Key, "solved"); err != nil {
		t.Fatal(err)
	}
	posts = fake.WaitPosts(2, 15*time.Second)
	if len(posts) != 2 || posts[1].Via != dingtalkfake.ViaGroup || posts[1].Conversation != "cidGroup1==" ||
		posts[1].RobotCode != appKey || !strings.Contains(posts[1].Text, "resolved") {
		t.Fatalf("status notice: %+v", posts)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(fake.Posts()); n != 2 {
		t.Fatalf("%d posts, want 2 (the redelivery must not act twice)", n)
	}
}

func readResp(t *testing.T, resp *http.Response, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
