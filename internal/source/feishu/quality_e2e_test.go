package feishu_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu/feishufake"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// Solving a ticket opened from Feishu asks with an interactive card of
// five buttons; pressing 4 writes the score on the ticket as an internal
// note and thanks the customer, once.
func TestEndToEndCSATCard(t *testing.T) {
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
	cfg.Routes[0].CSAT = &config.CSAT{Question: "这次服务您满意吗？"}
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
	signer := feishufake.Signer{EncryptKey: encKey}
	send := func(plain []byte) {
		t.Helper()
		resp, err := signer.Send(t.Context(), srv.URL, "fs", plain)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
	}
	waitPost := func(want string) feishufake.Post {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			for _, p := range fake.Posts() {
				if strings.Contains(p.Text(), want) {
					return p
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no post containing %q", want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	send(feishufake.MessageEvent(vtoken, feishufake.Incoming{EventID: "ev-csat-1", MessageID: "om_c1", ChatID: "oc_csat",
		RootID: "om_croot", Sender: "ou_cust", Text: "/ticket 发票抬头错了"}))
	waitPost("已为您创建工单")
	ts, err := a.Store.DeskList(t.Context(), "", 0)
	if err != nil || len(ts) != 1 {
		t.Fatalf("tickets %v %v", ts, err)
	}
	if _, err := a.Desk.SetStatus(t.Context(), ts[0].Key, "solved"); err != nil {
		t.Fatal(err)
	}
	ask := waitPost("这次服务您满意吗？")
	buttons := ask.Buttons()
	if ask.MsgType != "interactive" || ask.ReplyTo != "om_croot" || len(buttons) != 5 {
		t.Fatalf("survey card %+v buttons %v", ask, buttons)
	}
	four := buttons[3]
	if four[feishu.ValueAction] != core.ActionRate || four[feishu.ValueScore] != "4" || four[feishu.ValueToken] == "" {
		t.Fatalf("fourth button %v", four)
	}
	send(feishufake.CardPress(vtoken, "ev-card-4", "ou_cust", "oc_csat", ask.MessageID, four))
	send(feishufake.CardPress(vtoken, "ev-card-1", "ou_cust", "oc_csat", ask.MessageID, buttons[0]))
	waitPost("Thank you for your feedback")
	deadline := time.Now().Add(15 * time.Second)
	for {
		cs, err := a.Store.DeskComments(t.Context(), ts[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		var four, one bool
		for _, c := range cs {
			four = four || (!c.Public && strings.HasPrefix(c.Body, "Customer satisfaction: 4/5"))
			one = one || strings.HasPrefix(c.Body, "Customer satisfaction: 1/5")
		}
		if one {
			t.Fatal("a second press was recorded")
		}
		if four {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no score on the ticket: %+v", cs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	thanks := 0
	for _, p := range fake.Posts() {
		if strings.Contains(p.Text(), "Thank you for your feedback") {
			thanks++
		}
	}
	if thanks != 1 {
		t.Fatalf("thanked %d times, want once", thanks)
	}
}
