package wecom_test

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
	"github.com/ticketbridge/ticketbridge/internal/source/wecom"
	"github.com/ticketbridge/ticketbridge/internal/source/wecom/wecomfake"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// The whole app on a fresh store: WeCom's URL check, an encrypted
// "/ticket …" from a member (delivered twice, as WeCom retries), a ticket
// on the local desk, the agent solves it, and the member gets the
// "resolved" message through message/send.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	fake := wecomfake.New(t, sampleCorpID, corpSecret)
	src := config.NewConnector("sources[0]", "wc", wecom.Type)
	for k, v := range map[string]any{
		"corp_id": sampleCorpID, "corp_secret": corpSecret, "agent_id": agentID,
		"token": sampleToken, "encoding_aes_key": sampleAESKey, "api_url": fake.URL(),
	} {
		src.Set(k, v)
	}
	cfg := &config.Config{
		Storage: config.Storage{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "tb.db")},
		Sources: []config.Connector{src},
		Sinks:   []config.Connector{config.NewConnector("sinks[0]", "desk", "local")},
		// The fake WeCom listens on this machine, which outbound calls
		// may reach only when allowed.
		Security: config.Security{AllowOutbound: []string{"127.0.0.0/8"}},
		Routes: []config.Route{{
			Name: "support", Sources: []string{"wc"}, Sink: "desk",
			Trigger: config.Trigger{Command: "ticket"},
		}},
	}
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
	snd, err := wecomfake.NewSender(sampleToken, sampleAESKey, sampleCorpID, agentID, wecom.FormatXML)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	resp, err := snd.VerifyURL(ctx, srv.URL, "wc", "1616140317555161061")
	if body := readResp(t, resp, err); resp.StatusCode != http.StatusOK || body != "1616140317555161061" {
		t.Fatalf("URL check: %s %q", resp.Status, body)
	}

	sealed, err := snd.Seal(snd.Encode(snd.Text("zhangsan", "/ticket 打印机卡纸 printer on floor 3 jams", 7311111111111111111, time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		resp, err := wecomfake.Deliver(ctx, srv.URL, "wc", sealed)
		if body := readResp(t, resp, err); resp.StatusCode != http.StatusOK || body != "" {
			t.Fatalf("delivery %d: %s %q", i, resp.Status, body)
		}
	}
	// A forged callback is refused.
	forged := sealed
	forged.Query = map[string][]string{"msg_signature": {strings.Repeat("a", 40)}, "timestamp": {"1"}, "nonce": {"2"}}
	resp, err = wecomfake.Deliver(ctx, srv.URL, "wc", forged)
	if readResp(t, resp, err); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged: %s", resp.Status)
	}

	posts := fake.WaitPosts(1, 15*time.Second)
	if len(posts) != 1 || posts[0].ToUser != "zhangsan" {
		t.Fatalf("created notice: %+v", posts)
	}
	tickets, err := a.Store.DeskList(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(tickets) != 1 || !strings.Contains(tickets[0].Title, "printer on floor 3") {
		t.Fatalf("desk: %+v", tickets)
	}
	if !strings.Contains(posts[0].Text.Content, tickets[0].Key) {
		t.Fatalf("created notice %q does not name %s", posts[0].Text.Content, tickets[0].Key)
	}
	if _, err := a.Desk.SetStatus(ctx, tickets[0].Key, "solved"); err != nil {
		t.Fatal(err)
	}
	posts = fake.WaitPosts(2, 15*time.Second)
	if len(posts) != 2 || posts[1].ToUser != "zhangsan" || posts[1].AgentID != agentID ||
		posts[1].MsgType != "text" || !strings.Contains(posts[1].Text.Content, "resolved") {
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
