package agora_test

import (
	"context"
	"encoding/json"
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

// NCS notices for a 7-minute call, delivered out of order and with a
// retry, plus a signed transcript, become one call_ended event and one
// ticket on the local desk carrying the duration and the transcript. The
// RTC channel gets no chat notices: it cannot take messages.
func TestEndToEndCallBecomesOneTicket(t *testing.T) {
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
			Name: "calls", Sources: []string{"ag"}, Sink: "desk",
			Trigger: config.Trigger{Command: "ticket", CallEnded: &config.CallTrigger{MinDuration: 5 * time.Minute}},
		}},
	}
	cfg.WithDefaults()
	cfg.Security.AllowOutbound = []string{"127.0.0.0/8"}
	a, err := app.New(t.Context(), cfg, app.Options{Store: teststore.SQLite(t), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() { srv.Close(); a.Close(context.Background()) })

	deliver := func(path string, body []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), "POST", srv.URL+path, strings.NewReader(string(body)))
		for k, v := range agorafake.NCSHeaders(ncsSecret, body, agorafake.SignBoth) {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s", path, resp.Status)
		}
	}
	const ch = "support-call-7"
	t0 := time.Now().Add(-20 * time.Minute).Unix()
	intp := func(v int) *int { return &v }
	n := func(id string, typ int, ts int64, uid string, reason *int) []byte {
		return agorafake.Notice(id, typ, agora.ChannelPayload{ChannelName: ch, TS: ts, UID: json.Number(uid), Platform: intp(1), Reason: reason})
	}
	create := agorafake.Notice("n-create", agora.EventChannelCreate, agora.ChannelPayload{ChannelName: ch, TS: t0})
	notices := [][]byte{
		n("n-join-b", agora.EventBroadcasterJoin, t0+5, "2002", nil),
		create,
		n("n-join-a", agora.EventBroadcasterJoin, t0+1, "1001", nil),
		n("n-leave-b", agora.EventBroadcasterLeave, t0+420, "2002", intp(2)),
	}
	for _, body := range notices {
		deliver("/hooks/im/ag", body)
	}
	transcript, _ := json.Marshal(map[string]any{"channel": ch, "speaker": "1001", "text": "my order 1042 never arrived and I want a refund",
		"time": time.Unix(t0+60, 0).UTC()})
	deliver("/hooks/im/ag/transcripts", transcript)
	// The end arrives before the last leave; a retry of the end follows.
	destroy := agorafake.Notice("n-destroy", agora.EventChannelDestroy, agora.ChannelPayload{ChannelName: ch, TS: t0 + 423})
	deliver("/hooks/im/ag", destroy)
	deliver("/hooks/im/ag", n("n-leave-a", agora.EventBroadcasterLeave, t0+422, "1001", intp(1)))
	deliver("/hooks/im/ag", destroy)

	deadline := time.Now().Add(15 * time.Second)
	for {
		ts, err := a.Store.DeskList(t.Context(), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) > 0 {
			time.Sleep(500 * time.Millisecond)
			ts, _ = a.Store.DeskList(t.Context(), "", 0)
			if len(ts) != 1 {
				t.Fatalf("%d tickets for one call", len(ts))
			}
			d := ts[0].Title + "\n" + ts[0].Description
			for _, want := range []string{"7m03s", "2 participants", "1 timeout", "never arrived and I want a refund"} {
				if !strings.Contains(d, want) {
					t.Errorf("ticket lacks %q:\n%s", want, d)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no ticket for the call")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if posts := fake.Posts(); len(posts) != 0 {
		t.Fatalf("the RTC channel got chat posts: %+v", posts)
	}
}
