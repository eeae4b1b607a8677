package wecomkf_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/wecomkf"
	"github.com/ticketbridge/ticketbridge/internal/source/wecomkf/wecomkffake"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// The whole app on a fresh store, against the fake 微信客服: the URL
// check; a customer's "/ticket …" read with sync_msg after a callback that
// WeCom delivers twice (one ticket); a servicer taking the session (a
// handover event) and the customer's picture on the ticket; the reply
// rules: after 48 hours the "resolved" notice is refused (95002),
// counted as refused and delivered through the route's fallback robot.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	teststore.Each(t, testEndToEnd)
}

func testEndToEnd(t *testing.T, st store.Store) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fake := wecomkffake.New(t, corpID, secret, token, aesKey, kfA)
	fake.SetNow(clock)

	var robotMu sync.Mutex
	var robot []string
	robotSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Text struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &m)
		robotMu.Lock()
		robot = append(robot, m.Text.Content)
		robotMu.Unlock()
		_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer robotSrv.Close()

	src := config.NewConnector("sources[0]", "kf", wecomkf.Type)
	for k, v := range map[string]any{"corp_id": corpID, "secret": secret, "token": token,
		"encoding_aes_key": aesKey, "api_url": fake.URL()} {
		src.Set(k, v)
	}
	cfg := &config.Config{
		Storage:  config.Storage{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "tb.db")},
		Blob:     config.Blob{Dir: t.TempDir()},
		Sources:  []config.Connector{src},
		Sinks:    []config.Connector{config.NewConnector("sinks[0]", "desk", "local")},
		Security: config.Security{AllowOutbound: []string{"127.0.0.0/8"}},
		Routes: []config.Route{{
			Name: "support", Sources: []string{"kf"}, Sink: "desk",
			Trigger:  config.Trigger{Command: "ticket"},
			Fallback: []config.Fallback{{Type: "wecom_robot", Name: "ops", Webhook: robotSrv.URL + "/cgi-bin/webhook/send?key=k"}},
		}},
	}
	cfg.WithDefaults()
	if ps := cfg.Validate(); len(ps) > 0 {
		t.Fatalf("config: %v", ps)
	}
	a, err := app.New(t.Context(), cfg, app.Options{Store: st, Log: slog.New(slog.DiscardHandler)})
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
	deliver := func(sg wecomkffake.Signed) {
		t.Helper()
		resp, err := wecomkffake.Deliver(ctx, srv.URL, "kf", sg)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(b) != 0 {
			t.Fatalf("callback: %s %q", resp.Status, b)
		}
	}

	resp, err := fake.VerifyURL(ctx, srv.URL, "kf", "echo-42")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "echo-42" {
		t.Fatalf("URL check: %s %q", resp.Status, b)
	}

	fake.CustomerText(kfA, "wmCust", "/ticket 我的订单 1042 被扣了两次款 charged twice")
	sg, err := fake.Callback(kfA)
	if err != nil {
		t.Fatal(err)
	}
	deliver(sg)
	deliver(sg) // WeCom's retry of the same callback
	posts := fake.WaitPosts(t, 1, 15*time.Second)
	tickets, err := a.Store.DeskList(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(tickets) != 1 || !strings.Contains(tickets[0].Title, "charged twice") {
		t.Fatalf("desk: %+v", tickets)
	}
	key := tickets[0].Key
	if posts[0].ToUser != "wmCust" || posts[0].OpenKfID != kfA || !strings.Contains(posts[0].Text.Content, key) {
		t.Fatalf("created notice: %+v", posts[0])
	}

	fake.SessionChange(kfA, "wmCust", wecomkf.ChangeFromPool, "", "zhangsan")
	fake.CustomerImage(kfA, "wmCust", "MEDIA-1", wecomkffake.Media{ContentType: "image/png",
		Data: append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)})
	sg, err = fake.Callback(kfA)
	if err != nil {
		t.Fatal(err)
	}
	deliver(sg)
	conv := core.ConversationRef{Source: "kf", Conversation: kfA + ":wmCust"}
	eventually(t, "the handover is stored and the picture is on the ticket", func() bool {
		evs, err := a.Store.ConversationEventsAfter(ctx, conv.Key(), 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		handover := false
		for _, e := range evs {
			handover = handover || (e.Kind == core.KindHandover && e.Sender.ID == "zhangsan")
		}
		cs, err := a.Store.DeskComments(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		attached := false
		for _, c := range cs {
			attached = attached || strings.Contains(c.Body, "Attachment ")
		}
		return handover && attached
	})

	// Two days later the agent solves the ticket: WeCom refuses the
	// notice, the fallback robot gets it.
	mu.Lock()
	now = now.Add(wecomkffake.ReplyWindow + time.Hour)
	mu.Unlock()
	if _, err := a.Desk.SetStatus(ctx, key, "solved"); err != nil {
		t.Fatal(err)
	}
	fake.WaitRefused(t, 1, 15*time.Second)
	eventually(t, "the fallback robot got the notice", func() bool {
		robotMu.Lock()
		defer robotMu.Unlock()
		return len(robot) == 1 && strings.Contains(robot[0], key)
	})
	if v := metric(t, srv.URL, `ticketbridge_notifications_total{result="refused",source="kf"}`); v != "1" {
		t.Fatalf("refused notices counted %v, want 1", v)
	}
	if n := len(fake.Posts()); n != 1 {
		t.Fatalf("%d messages reached the customer, want 1", n)
	}

	// WeCom's API is down when a callback comes: 503 (WeCom delivers it
	// again) and nothing is lost behind the cursor.
	late := fake.CustomerText(kfA, "wmCust", "hello again")
	fake.FailNext(wecomkffake.PathSync, 1, 0, "bad gateway", http.StatusBadGateway)
	sg, err = fake.Callback(kfA)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = wecomkffake.Deliver(ctx, srv.URL, "kf", sg)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("callback while the API is down: %s", resp.Status)
	}
	deliver(sg)
	evs, err := a.Store.ConversationEventsAfter(ctx, conv.Key(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.EventID == late.MsgID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the message after the outage is stored %d times, want 1", n)
	}
}

// metric reads one series' value from /metrics.
func metric(t *testing.T, base, series string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
