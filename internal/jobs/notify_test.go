package jobs

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/fallback"
	"github.com/ticketbridge/ticketbridge/internal/metrics"
	"github.com/ticketbridge/ticketbridge/internal/source"
	"github.com/ticketbridge/ticketbridge/internal/source/agora"
)

// A notice for a call or live stream goes to the route's fallback robot
// instead of being dropped (issue #10, 5).
func TestNoticeForACallGoesToTheFallbackChannel(t *testing.T) {
	var mu sync.Mutex
	var got []string
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Text struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		b, _ := io.ReadAll(r.Body)
		if json.Unmarshal(b, &m) != nil {
			w.Write([]byte(`{"errcode":40008,"errmsg":"invalid message type"}`))
			return
		}
		mu.Lock()
		got = append(got, m.Text.Content)
		mu.Unlock()
		w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer robot.Close()
	ch, err := fallback.New(fallback.Spec{Type: fallback.TypeWeComRobot, Name: "ops", Webhook: robot.URL + "/cgi-bin/webhook/send?key=k"}, fallback.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	// The real Agora source: an RTC channel (a call) takes no messages.
	ag, err := agora.New("ag", agora.Settings{NCSSecret: "ncs-secret"}, source.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	d := &Deps{
		Sources:  map[string]source.Source{"ag": ag},
		Fallback: map[string][]fallback.Channel{"calls": {ch}},
		Metrics:  metrics.New(nil),
		Log:      slog.New(slog.DiscardHandler),
		Now:      time.Now,
	}
	w := &notifyWorker{d: d}
	to := core.ConversationRef{Source: "ag", Conversation: "support-42"}
	if ag.CanPost(to) {
		t.Fatalf("%s takes messages; the test needs a call channel", to.Conversation)
	}
	for route, want := range map[string]int{"calls": 1, "no-fallback": 0} {
		mu.Lock()
		got = nil
		mu.Unlock()
		job := &river.Job[NotifyArgs]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: NotifyArgs{
			Route: route, To: to, Message: core.OutboundMessage{Text: "Ticket LOCAL-7 is open for your call", Key: "created-x"}}}
		if err := w.Work(context.Background(), job); err != nil {
			t.Fatalf("%s: Work: %v", route, err)
		}
		mu.Lock()
		n := len(got)
		ok := n == 0 || strings.Contains(got[0], "LOCAL-7")
		mu.Unlock()
		if n != want || !ok {
			t.Fatalf("%s: robot got %d messages %q, want %d naming the ticket", route, n, got, want)
		}
	}
}
