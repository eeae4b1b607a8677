package agora_test

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
	"github.com/ticketbridge/ticketbridge/internal/source/agora"
	"github.com/ticketbridge/ticketbridge/internal/source/agora/agorafake"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// The whole app on a fresh store: RTC notices are accepted and stored
// (call sessions are the lead's next step), an Agora Chat group message
// "/ticket …" (delivered twice, as a retry would) opens a ticket on the
// local desk, the agent solves it, and the group gets the "resolved"
// message through the Chat REST API.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	fake := agorafake.New(t, appKey, clientID, clientSecret)
	src := yamlSource(t, `
    ncs_secret: `+ncsSecret+`
    chat_app_key: "`+appKey+`"
    chat_secret: `+chatSecret+`
    chat_api_url: `+fake.URL()+`
    chat_client_id: `+clientID+`
    chat_client_secret: `+clientSecret)
	cfg := &config.Config{
		Storage: config.Storage{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "tb.db")},
		Sources: []config.Connector{src},
		Sinks:   []config.Connector{config.NewConnector("sinks[0]", "desk", "local")},
		Routes: []config.Route{{
			Name: "support", Sources: []string{"ag"}, Sink: "desk",
			Trigger: config.Trigger{Command: "ticket"},
		}},
	}
	cfg.WithDefaults()
	// The fake listens on loopback, which outbound calls refuse by default.
	cfg.Security.AllowOutbound = []string{"127.0.0.0/8"}
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
	deliver := func(body []byte, h http.Header) (int, string) {
		t.Helper()
		resp, err := agorafake.Deliver(ctx, srv.URL, "ag", body, h)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// An RTC join notice, signed both ways, and its retry.
	notice := agorafake.Notice("2000001428:4330:103", agora.EventBroadcasterJoin,
		agora.ChannelPayload{ChannelName: "support-42", TS: time.Now().Unix(), UID: "12121212"})
	for i := range 2 {
		status, body := deliver(notice, agorafake.NCSHeaders(ncsSecret, notice, agorafake.SignBoth))
		want := []string{`"accepted":1`, `"duplicates":1`}[i]
		if status != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("notice %d: %d %s", i, status, body)
		}
	}
	if status, _ := deliver(notice, http.Header{agora.HeaderSignatureV2: {strings.Repeat("0", 64)}}); status != http.StatusUnauthorized {
		t.Fatalf("forged notice: %d", status)
	}

	cb := (&agorafake.ChatSigner{AppKey: appKey, Secret: chatSecret}).Text(agora.ChatTypeGroup, "alice", "169432849858561", "/ticket printer on floor 3 jams")
	body := agorafake.Encode(cb)
	for i := range 2 {
		if status, answer := deliver(body, nil); status != http.StatusOK || answer != `{"valid":true}` {
			t.Fatalf("chat delivery %d: %d %s", i, status, answer)
		}
	}
	forged := cb
	forged.Security = strings.Repeat("a", 32)
	if status, _ := deliver(agorafake.Encode(forged), nil); status != http.StatusUnauthorized {
		t.Fatalf("forged callback: %d", status)
	}

	posts := fake.WaitPosts(1, 15*time.Second)
	if len(posts) != 1 || posts[0].Target != "chatgroups" || posts[0].To[0] != "169432849858561" {
		t.Fatalf("created notice: %+v", posts)
	}
	tickets, err := a.Store.DeskList(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(tickets) != 1 || !strings.Contains(tickets[0].Title, "printer on floor 3") {
		t.Fatalf("desk: %+v", tickets)
	}
	if !strings.Contains(posts[0].Body.Msg, tickets[0].Key) {
		t.Fatalf("created notice %q does not name %s", posts[0].Body.Msg, tickets[0].Key)
	}
	if _, err := a.Desk.SetStatus(ctx, tickets[0].Key, "solved"); err != nil {
		t.Fatal(err)
	}
	posts = fake.WaitPosts(2, 15*time.Second)
	if len(posts) != 2 || posts[1].Target != "chatgroups" || posts[1].To[0] != "169432849858561" ||
		posts[1].From != agora.DefaultChatFrom || !strings.Contains(posts[1].Body.Msg, "resolved") {
		t.Fatalf("status notice: %+v", posts)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(fake.Posts()); n != 2 {
		t.Fatalf("%d posts, want 2 (the redelivery must not act twice)", n)
	}
}
