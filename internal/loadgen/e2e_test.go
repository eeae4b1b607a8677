package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// TestEndToEnd runs loadgen against a real ticketbridge (the config
// ConfigYAML writes, on a fresh SQLite store) on loopback: every ticket
// must reach the fake sink and every status change the fake chat.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	for _, format := range []string{FormatGeneric, FormatSlack} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			lg, err := New(Options{
				Target: "http://" + ln.Addr().String(), Format: format,
				SinkListen: "127.0.0.1:0", ChatListen: "127.0.0.1:0",
				Conversations: 200, TicketEvery: 10, Events: 300, Rate: 1000,
				Sink:         Profile{Latency: 2 * time.Millisecond, Errors: 0.03, TooMany: 0.01, RetryAfter: time.Second, Seed: 7},
				DrainTimeout: 20 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = lg.Close() })

			data, err := ConfigYAML(ConfigParams{Format: format, SinkURL: lg.SinkURL(), ChatURL: lg.ChatURL(), DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse("lg.yaml", data, nil)
			if err != nil {
				t.Fatalf("parse config: %v", err)
			}
			a, err := app.New(ctx, cfg, app.Options{Store: teststore.SQLite(t), Log: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatalf("app.New: %v", err)
			}
			if err := a.Start(ctx); err != nil {
				t.Fatalf("app.Start: %v", err)
			}
			srvCtx, stop := context.WithCancel(ctx)
			served := make(chan struct{})
			go func() {
				defer close(served)
				_ = a.Serve(srvCtx, ln)
			}()
			t.Cleanup(func() {
				stop()
				<-served
				if err := a.Close(ctx); err != nil {
					t.Errorf("app.Close: %v", err)
				}
			})

			s, err := lg.Run(ctx, nil)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			// The JSON document is what --json writes.
			var doc bytes.Buffer
			if err := json.NewEncoder(&doc).Encode(s); err != nil {
				t.Fatal(err)
			}
			var got Summary
			if err := json.Unmarshal(doc.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if !got.Complete() {
				var text bytes.Buffer
				_ = got.WriteText(&text)
				t.Fatalf("run incomplete:\n%s", text.String())
			}
			checks := map[string]bool{
				"300 events accepted":           got.Events == 300 && got.Sent == 300 && got.Accepted == 300 && len(got.Errors) == 0,
				"20 tickets, each once":         got.TicketsExpected == 20 && got.TicketsCreated == 20 && got.Sink.Duplicates == 0 && len(lg.sink.Tickets()) == 20,
				"20 created and status replies": got.CreatedReplies == 20 && got.StatusReplies == 20 && got.WebhooksSent == 20 && got.WebhooksFailed == 0,
				"nothing stray":                 got.UnexpectedReply == 0 && got.UnexpectedTicket == 0 && got.Sink.Rejected == 0 && got.Chat.Rejected == 0,
				"ack percentiles ordered":       got.Ack.Count == 300 && got.Ack.P50 > 0 && got.Ack.P50 <= got.Ack.P99 && got.Ack.P99 <= got.Ack.P999 && got.Ack.P999 <= got.Ack.Max,
				"ticket latency sane":           got.Ticket.Count == 20 && got.Ticket.P50 > 0 && got.Ticket.Max < 20_000,
				"status latency sane":           got.Status.Count == 20 && got.Status.P50 > 0 && got.Status.Max < 20_000,
				// Rates are measured, not asserted near the offer: on a
				// shared machine the pacer may fall behind (no timing tests).
				"throughput measured":            got.Throughput > 0 && got.Throughput <= 1100 && got.AchievedRate > 0,
				"drain within the timeout":       got.Drained && got.DrainSeconds >= 0 && got.DrainSeconds < 20,
				"follow-ups reached the tickets": got.Sink.Comments > 0,
			}
			for name, ok := range checks {
				if !ok {
					t.Errorf("%s: summary %+v", name, got)
				}
			}
		})
	}
}
