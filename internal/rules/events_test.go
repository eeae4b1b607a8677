package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

func TestEventTriggers(t *testing.T) {
	t.Parallel()
	call := func(seconds float64, abnormal int, transcript string) core.Event {
		ev := msg("")
		ev.Kind = core.KindCallEnded
		ev.Meta = map[string]any{"duration_seconds": seconds, "abnormal_leaves": float64(abnormal), "transcript": transcript}
		return ev
	}
	live := msg("卡死了")
	live.Kind = core.KindLiveFeedback
	sentiment := func(r *config.Route) { r.Trigger.Sentiment = &config.SentimentTrigger{Threshold: -0.3} }
	calls := func(r *config.Route) {
		r.Trigger.CallEnded = &config.CallTrigger{MinDuration: 5 * time.Minute, AbnormalLeaves: 2, Keywords: []string{"refund"}}
	}
	tests := map[string]struct {
		mod      func(*config.Route)
		ev       core.Event
		st       State
		wantKind Kind
		wantRule string
	}{
		"angry customer":           {sentiment, msg("This is absolutely unacceptable, your service is useless!!!"), State{}, KindCreate, RuleSentiment},
		"angry in chinese":         {sentiment, msg("太差了，气死我了，什么垃圾服务"), State{}, KindCreate, RuleSentiment},
		"calm customer":            {sentiment, msg("could you tell me when the store opens?"), State{}, KindNone, ""},
		"no sentiment trigger":     {nil, msg("This is absolutely unacceptable, your service is useless!!!"), State{}, KindNone, ""},
		"long call":                {calls, call(422, 0, ""), State{}, KindCreate, RuleCallEnded},
		"short call":               {calls, call(60, 0, ""), State{}, KindNone, ""},
		"dropped call":             {calls, call(60, 2, ""), State{}, KindCreate, RuleCallEnded},
		"transcript keyword":       {calls, call(60, 0, "I want a Refund please"), State{}, KindCreate, RuleCallEnded},
		"call without trigger":     {nil, call(900, 3, ""), State{}, KindNone, ""},
		"call in linked convo":     {calls, call(900, 0, ""), State{Links: map[string]LinkState{"r": {TicketKey: "T-1", State: "open"}}}, KindAppend, RuleFollowUp},
		"live comments are bursts": {calls, live, State{}, KindNone, ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			e := mustCompile(t, route("r", tt.mod))
			d := e.Evaluate(tt.ev, tt.st)[0]
			if d.Kind != tt.wantKind || d.Rule != tt.wantRule {
				t.Fatalf("decision %+v, want %s by %q", d, tt.wantKind, tt.wantRule)
			}
			if d.Kind == KindCreate && strings.TrimSpace(d.Reason) == "" {
				t.Fatalf("decision without a reason: %+v", d)
			}
		})
	}
}
