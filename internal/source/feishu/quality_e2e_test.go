package feishu_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu"
	"github.com/ticketbridge/ticketbridge/internal/source/feishu/feishufake"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Solving a ticket opened from Feishu asks with an interactive card of
// five buttons; pressing 4 writes the score on the ticket as an internal
// note and thanks the customer, once.
func TestEndToEndCSATCard(t *testing.T) {
	fake, a, srv := startApp(t, func(r *config.Route) { r.CSAT = &config.CSAT{Question: "这次服务您满意吗？"} })
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
		deadline := time.Now().Add(time.Minute) // a bound for a real failure, not a timing assumption
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
	// The desk keeps the score in its own satisfaction field.
	q := a.Store.(store.Quality)
	deadline := time.Now().Add(time.Minute) // a bound for a real failure, not a timing assumption
	for {
		score, _, err := q.DeskSatisfaction(t.Context(), ts[0].Key)
		if err != nil {
			t.Fatal(err)
		}
		if score == 1 {
			t.Fatal("a second press was recorded")
		}
		if score == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no score on the ticket (field %d)", score)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if score, _, _ := q.DeskSatisfaction(t.Context(), ts[0].Key); score != 4 {
		t.Fatalf("a second press was recorded: score %d", score)
	}
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
