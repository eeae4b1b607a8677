package feishu_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu/feishufake"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// startApp runs the whole app with the Feishu source "fs" on a fake
// Feishu and the default route (after route has had its say).
func startApp(t *testing.T, route func(r *config.Route)) (*feishufake.Server, *app.App, *httptest.Server) {
	t.Helper()
	fake := feishufake.New(t, appID, appSecret)
	cfg := config.Default(t.TempDir())
	src := config.NewConnector("sources[0]", "fs", "feishu")
	src.Set("app_id", appID)
	src.Set("app_secret", appSecret)
	src.Set("verification_token", vtoken)
	src.Set("encrypt_key", encKey)
	src.Set("api_url", fake.URL())
	cfg.Sources = []config.Connector{src}
	cfg.Routes[0].Sources = []string{"fs"}
	if route != nil {
		route(&cfg.Routes[0])
	}
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
	return fake, a, srv
}

// The whole app with a Feishu source on the fake platform: an encrypted,
// signed "/ticket …" in a thread opens a ticket on the local desk, and
// solving it posts a threaded "resolved" reply back to Feishu.
func TestEndToEnd(t *testing.T) {
	fake, a, srv := startApp(t, nil)
	signer := feishufake.Signer{EncryptKey: encKey}
	send := func(plain []byte, want int) string {
		t.Helper()
		resp, err := signer.Send(t.Context(), srv.URL, "fs", plain)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, b)
		}
		return string(b)
	}

	// The URL verification is answered and stores nothing.
	if got := send(feishufake.Challenge(vtoken, "chal-1"), http.StatusOK); !strings.Contains(got, `"challenge":"chal-1"`) {
		t.Fatalf("challenge answer %s", got)
	}
	// A forged token is refused.
	send(feishufake.MessageEvent("forged", feishufake.Incoming{ChatID: "oc_e2e", Sender: "ou_cust", Text: "/ticket x"}), http.StatusUnauthorized)

	ev := feishufake.MessageEvent(vtoken, feishufake.Incoming{
		EventID: "ev-ticket-1", MessageID: "om_cmd", ChatID: "oc_e2e", RootID: "om_root", Sender: "ou_cust",
		Text: "@_user_1 /ticket printer on floor 3 is on fire", Mentions: []feishufake.Mention{{Key: "@_user_1", OpenID: "ou_bot", Name: "Helpdesk"}},
	})
	send(ev, http.StatusOK)
	// Feishu redelivers on a slow answer: same event id, dropped.
	if got := send(ev, http.StatusOK); got != "" {
		t.Fatalf("redelivery answer %q, want a bare 200", got)
	}

	var key string
	deadline := time.Now().Add(15 * time.Second)
	for key == "" {
		ts, err := a.Store.DeskList(t.Context(), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) > 1 {
			t.Fatalf("%d tickets", len(ts))
		}
		if len(ts) == 1 {
			if !strings.Contains(ts[0].Title, "printer on floor 3") {
				t.Fatalf("ticket %+v", ts[0])
			}
			key = ts[0].Key
		}
		if time.Now().After(deadline) {
			t.Fatal("no ticket on the desk")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := a.Desk.SetStatus(t.Context(), key, "solved"); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		for _, p := range fake.Posts() {
			if strings.Contains(p.Text(), "resolved") {
				if p.ReplyTo != "om_root" || p.MsgType != "text" || p.UUID == "" {
					t.Fatalf("resolved notice not threaded: %+v", p)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			b, _ := json.Marshal(fake.Posts())
			t.Fatalf("no resolved reply; posts: %s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
