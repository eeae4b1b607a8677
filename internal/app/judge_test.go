package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/judge/judgefake"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// A route's LLM judge settles what the model is unsure of, through the
// whole app: the judge says problem, so a message the model lets pass
// becomes a ticket; while the judge fails, the model's decision stands.
// The question reaches the judge masked.
func TestJudgeSettlesUnsureMessages(t *testing.T) {
	fake := judgefake.New(t, "sk-judge", func(user string) (bool, string) {
		return strings.Contains(user, "moon"), "the customer reports a moon"
	})
	var route string
	h := start(t, teststore.SQLite(t), withRoute(func(r *config.Route) {
		route = r.Name
		r.Trigger.Confirm = false
		r.Trigger.Detector = "model"
		r.Trigger.Threshold, r.Trigger.BareThreshold = 0.5, 0.5
		// A band this wide makes every model decision unsure.
		r.Trigger.Judge = &config.Judge{URL: fake.BaseURL(), Model: "qwen", APIKey: "sk-judge",
			Timeout: 2 * time.Second, PerMinute: 100, Band: 0.49999}
	}), func(cfg *config.Config, _ *app.Options) {
		cfg.Security.AllowOutbound = append(cfg.Security.AllowOutbound, "127.0.0.1")
	})

	fake.Set(judgefake.Fail)
	h.say("j1", "what a lovely moon tonight, call me at 13812345678")
	h.eventually("the judge to be asked", func() bool { return len(fake.Requests()) == 1 })
	h.quiet(0)
	if n := len(h.tickets()); n != 0 {
		t.Fatalf("a failing judge changed the decision: %d tickets", n)
	}

	fake.Set(judgefake.Verdict)
	h.say("j2", "what a lovely moon tonight, call me at 13812345678")
	h.replies(1)
	ts := h.tickets()
	if len(ts) != 1 || !strings.Contains(ts[0].Description, "moon") {
		t.Fatalf("tickets = %+v, want one about the moon", ts)
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r.User, "13812345678") {
			t.Errorf("the judge saw the phone number: %q", r.User)
		}
	}
	// Two questions asked: the first failed, the second was answered.
	for result, want := range map[string]float64{"asked": 2, "error": 1, "answered": 1} {
		series := `ticketbridge_judge_requests_total{result="` + result + `",route="` + route + `"}`
		if got := h.metric(series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}
