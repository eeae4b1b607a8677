package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	genericsrc "github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// ticketOnlyTarget is a target like the Node-RED baseline: it verifies
// each event, answers 200, and for a "/ticket" message creates a ticket in
// the fake sink. With reply set it also says "ticket … is open" in the
// fake chat, as ticketbridge does; it never handles status webhooks.
func ticketOnlyTarget(t *testing.T, reply bool, sinkURL, chatURL func() string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	verifier := stdwebhook.Verifier{Keys: []stdwebhook.Secret{mustKey(t, DefaultSecret)}}
	hc := &http.Client{Timeout: 5 * time.Second}
	sink := stdwebhook.Client{HTTP: hc, Key: mustKey(t, DefaultSinkSecret)}
	chat := stdwebhook.Client{HTTP: hc, Key: mustKey(t, DefaultSecret)}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := verifier.Verify(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var ev genericsrc.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		if strings.HasPrefix(ev.Text, "/ticket") {
			conv := ev.Conversation.ID
			_, err := sink.Do(r.Context(), stdwebhook.Request{Op: "create", Method: http.MethodPost, URL: sinkURL() + "/tickets",
				Body: core.TicketDraft{ExternalID: "t-" + conv, Title: ev.Text, Custom: map[string]any{ConversationField: conv}}})
			if err != nil {
				t.Errorf("create ticket: %v", err)
			}
			if reply {
				_, err = chat.Do(r.Context(), stdwebhook.Request{Op: "reply", Method: http.MethodPost, URL: chatURL() + "/replies",
					Body: genericsrc.Reply{Type: "message", Conversation: genericsrc.Conversation{ID: conv}, Text: "Ticket is open"}})
				if err != nil {
					t.Errorf("reply: %v", err)
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"accepted":1,"duplicates":0}`))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

func ticketsOnlyRun(t *testing.T, ticketsOnly, reply bool, drain time.Duration) Summary {
	t.Helper()
	var lg *Loadgen
	target := ticketOnlyTarget(t, reply, func() string { return lg.SinkURL() }, func() string { return lg.ChatURL() })
	lg, err := New(Options{
		Target: target, SinkListen: "127.0.0.1:0", ChatListen: "127.0.0.1:0",
		Conversations: 20, TicketEvery: 2, Events: 40, Rate: 1000,
		DrainTimeout: drain, TicketsOnly: ticketsOnly,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lg.Close() })
	s, err := lg.Run(context.Background(), nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return s
}

// TestTicketsOnly: against a target that creates tickets but answers no
// status webhook, --tickets-only drains as soon as the tickets are there
// and the run is complete; without it the run waits for replies that never
// come and is incomplete.
func TestTicketsOnly(t *testing.T) {
	t.Parallel()
	t.Run("no replies", func(t *testing.T) {
		t.Parallel()
		s := ticketsOnlyRun(t, true, false, 10*time.Second)
		var text bytes.Buffer
		_ = s.WriteText(&text)
		checks := map[string]bool{
			"complete":                s.Complete(),
			"drained before timeout":  s.Drained && s.DrainSeconds < 10,
			"10 tickets timed":        s.TicketsExpected == 10 && s.TicketsCreated == 10 && s.Ticket.Count == 10,
			"no status webhooks":      s.WebhooksSent == 0 && s.StatusReplies == 0,
			"marked in the summary":   s.TicketsOnly && strings.Contains(text.String(), "tickets only"),
			"every event accepted":    s.Accepted == 40 && len(s.Errors) == 0,
			"no bad sink signatures":  s.Sink.Rejected == 0 && s.Sink.Duplicates == 0,
			"no stray tickets":        s.UnexpectedTicket == 0,
			"replies were not needed": s.CreatedReplies == 0,
		}
		for name, ok := range checks {
			if !ok {
				t.Errorf("%s:\n%s", name, text.String())
			}
		}
	})
	t.Run("replies do not set off webhooks", func(t *testing.T) {
		t.Parallel()
		s := ticketsOnlyRun(t, true, true, 10*time.Second)
		if !s.Complete() || s.CreatedReplies != 10 || s.WebhooksSent != 0 || s.UnexpectedReply != 0 {
			t.Errorf("summary %+v", s)
		}
	})
	t.Run("without the option the run waits for replies", func(t *testing.T) {
		t.Parallel()
		s := ticketsOnlyRun(t, false, false, 300*time.Millisecond)
		if s.Complete() || s.Drained || s.TicketsOnly || s.TicketsCreated != 10 {
			t.Errorf("summary %+v", s)
		}
	})
}
