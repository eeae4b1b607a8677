package feishuhelpdesk_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app/apptest"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/sink/feishuhelpdesk"
	"github.com/ticketbridge/ticketbridge/internal/sink/feishuhelpdesk/helpdeskfake"
)

// The whole app with the helpdesk as the route's sink: Feishu's URL
// verification is answered at /hooks/tickets/hd; "/ticket …" in the chat
// opens a service chat whose ticket carries the conversation; a follow-up
// becomes a ticket message; the agent taking over, answering and closing
// the ticket reach the chat, the bot's echo of our own message does not,
// and a redelivered event is dropped.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	f := helpdeskfake.New(t, helpdeskfake.Options{PerSecond: 1000})
	b := start(t, f)
	ctx, url := t.Context(), b.Srv.URL
	deliver := func(plain []byte, signed bool) (int, string) {
		t.Helper()
		req, err := f.Request(ctx, url+"/hooks/tickets/hd", plain, signed)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := deliver(f.Challenge("chal-e2e"), false); code != http.StatusOK || !strings.Contains(body, `"challenge":"chal-e2e"`) {
		t.Fatalf("URL verification: %d %s", code, body)
	}

	b.Say("c1", "/ticket the invoice PDF is blank")
	created := b.Replies(1)
	tks := f.WaitTickets(t, 1, 15*time.Second)
	key := tks[0].TicketID
	if !strings.Contains(created[0], key) || !strings.Contains(tks[0].CustomizedInfo, "invoice PDF") {
		t.Fatalf("notice %q, ticket %+v", created[0], tks[0])
	}
	b.Say("c1", "it is the March invoice")
	msgs := f.WaitMessages(t, key, 2, 15*time.Second)
	if !strings.Contains(msgs[0].Content, "invoice PDF is blank") || !strings.Contains(msgs[1].Content, "March invoice") {
		t.Fatalf("ticket messages %+v", msgs)
	}
	// The helpdesk reports our own message back: not echoed.
	echo, _ := f.Say(key, feishuhelpdesk.SenderBot, "", msgs[1].Content)
	if code, body := deliver(echo, true); code != http.StatusOK {
		t.Fatalf("echo: %d %s", code, body)
	}
	take, _ := f.TakeOver(key, "ou_agent", "Zhang San")
	if code, body := deliver(take, true); code != http.StatusOK {
		t.Fatalf("take over: %d %s", code, body)
	}
	answer, _ := f.Say(key, feishuhelpdesk.SenderAgent, "ou_agent", "A new PDF is on its way.")
	for range 2 { // Feishu redelivers on a slow answer
		if code, body := deliver(answer, true); code != http.StatusOK {
			t.Fatalf("agent answer: %d %s", code, body)
		}
	}
	closed, _ := f.SetStatus(key, feishuhelpdesk.StatusClosedByAgent, true)
	if code, body := deliver(closed, true); code != http.StatusOK {
		t.Fatalf("closed: %d %s", code, body)
	}
	if code, _ := deliver(answer, false); code != http.StatusUnauthorized {
		t.Fatalf("unsigned event: %d", code)
	}
	got := b.Replies(4)
	joined := strings.ToLower(strings.Join(got[1:], "\n"))
	if !strings.Contains(joined, "zhang san on "+key+": a new pdf is on its way.") || !strings.Contains(joined, "resolved") {
		t.Fatalf("chat got %q", got)
	}
	t.Logf("chat: %q", got)
	b.Quiet(len(got))
	for _, r := range got {
		if strings.Contains(r, "March invoice") {
			t.Fatalf("our own message came back: %q", r)
		}
	}
}

func start(t *testing.T, f *helpdeskfake.Server) *apptest.Bridge {
	t.Helper()
	o := f.Options()
	c := config.NewConnector("sinks[1]", "hd", feishuhelpdesk.Type)
	for k, v := range map[string]any{"app_id": o.AppID, "app_secret": o.AppSecret, "helpdesk_id": o.HelpdeskID,
		"helpdesk_token": o.HelpdeskToken, "encrypt_key": o.EncryptKey, "verification_token": o.Token,
		"requester_open_id": "ou_service_account", "api_url": f.URL(), "human_service": false} {
		c.Set(k, v)
	}
	return apptest.Start(t, c, func(cfg *config.Config) { cfg.Security.AllowOutbound = []string{"127.0.0.0/8"} })
}

// start_service acts and the connection drops before its answer: the
// create job's retry finds the ticket by its marker, completes it with the
// conversation, and the chat hears of exactly one ticket.
func TestEndToEndLostCreate(t *testing.T) {
	t.Parallel()
	f := helpdeskfake.New(t, helpdeskfake.Options{PerSecond: 1000})
	b := start(t, f)
	f.LoseNextStartService()
	b.Say("c2", "/ticket the answer to this one gets lost")
	got := b.Replies(1)
	tks := f.Tickets()
	if len(tks) != 1 || !strings.Contains(got[0], tks[0].TicketID) {
		t.Fatalf("tickets %+v, chat %q", tks, got)
	}
	msgs := f.WaitMessages(t, tks[0].TicketID, 1, 15*time.Second)
	if !strings.Contains(msgs[0].Content, "gets lost") {
		t.Fatalf("first message %+v", msgs[0])
	}
	b.Quiet(1)
	if n := f.Calls("POST /open-apis/helpdesk/v1/start_service"); n != 1 {
		t.Fatalf("%d start_service calls, want 1", n)
	}
	if n := len(f.Messages(tks[0].TicketID)); n != 1 {
		t.Fatalf("%d ticket messages, want 1", n)
	}
}
