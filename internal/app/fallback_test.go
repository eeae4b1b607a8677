package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// When the conversation refuses a notice for good, the route's fallback
// channel (here a WeCom group robot) gets it, and the use is counted.
func TestUndeliverableNoticeGoesToTheFallbackRobot(t *testing.T) {
	var mu sync.Mutex
	var got []string
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Text struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		b, _ := io.ReadAll(r.Body)
		if r.URL.Query().Get("key") != "robot-key" || json.Unmarshal(b, &m) != nil {
			w.Write([]byte(`{"errcode":93000,"errmsg":"invalid webhook url"}`))
			return
		}
		mu.Lock()
		got = append(got, m.Text.Content)
		mu.Unlock()
		w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer robot.Close()
	h := start(t, teststore.SQLite(t), func(cfg *config.Config, _ *app.Options) {
		cfg.Routes[0].Fallback = []config.Fallback{{Type: "wecom_robot", Name: "ops-robot", Webhook: robot.URL + "/cgi-bin/webhook/send?key=robot-key"}}
	})
	h.chat.FailNext(100, http.StatusForbidden, "") // the customer's chat refuses us for good
	h.say("fb1", "/ticket the kiosk in hall B is frozen")
	h.eventually("the robot got the notice", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1
	})
	mu.Lock()
	msg := got[0]
	mu.Unlock()
	if !strings.Contains(msg, "LOCAL-1") || !strings.Contains(msg, "fb1") {
		t.Fatalf("robot message %q lacks the ticket or the conversation", msg)
	}
	time.Sleep(300 * time.Millisecond)
	if v := h.metric(`ticketbridge_fallback_notifications_total{channel="ops-robot",result="delivered",route="support"}`); v != 1 {
		t.Fatalf("fallback counted %v, want 1", v)
	}
	if status, out := h.api("GET", "/api/v1/dead-letters", adminToken, nil); status != 200 || len(out["dead_letters"].([]any)) != 0 {
		t.Fatalf("a notice delivered by fallback is not a dead letter: %v", out)
	}
}
