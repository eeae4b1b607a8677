package rules

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sentiment"
)

// Rule names of the event triggers.
const (
	RuleSentiment  = "sentiment"
	RuleCallEnded  = "call_ended"
	RuleEscalation = "escalation"
	RuleLiveBurst  = "live_burst"
)

// DefaultSentimentThreshold is the score at or below which a message is
// negative enough to act on.
const DefaultSentimentThreshold = -0.5

// scorer is the lexicon shared by every route; it is immutable once built.
var scorer = sync.OnceValue(func() sentiment.Scorer { return sentiment.NewLexicon(sentiment.Options{}) })

// sentiment decides on a message no keyword or pack rule matched.
func (r *Route) sentiment(text string) Decision {
	th := r.Config.Trigger.Sentiment.Threshold
	if th == 0 {
		th = DefaultSentimentThreshold
	}
	res := scorer().Score(text)
	if res.Score > th {
		return none("no match")
	}
	return Decision{Kind: KindCreate, Rule: RuleSentiment, Category: "complaint",
		Reason: fmt.Sprintf("sentiment %.2f at or below %.2f", res.Score, th)}
}

// callEnded decides whether a finished call becomes a ticket.
func (r *Route) callEnded(ev core.Event, linked bool) Decision {
	ct := r.Config.Trigger.CallEnded
	if ct == nil {
		return none("call_ended event")
	}
	if linked {
		return Decision{Kind: KindAppend, Rule: RuleFollowUp, Reason: "call in a linked conversation"}
	}
	why := ""
	dur := time.Duration(metaFloat(ev.Meta, "duration_seconds") * float64(time.Second))
	transcript := strings.ToLower(metaString(ev.Meta, "transcript") + " " + ev.Text)
	switch {
	case ct.Always:
		why = "every call"
	case ct.MinDuration > 0 && dur >= ct.MinDuration:
		why = fmt.Sprintf("lasted %s", dur.Round(time.Second))
	case ct.AbnormalLeaves > 0 && int(metaFloat(ev.Meta, "abnormal_leaves")) >= ct.AbnormalLeaves:
		why = fmt.Sprintf("%d abnormal leaves", int(metaFloat(ev.Meta, "abnormal_leaves")))
	default:
		for _, k := range ct.Keywords {
			if k != "" && strings.Contains(transcript, strings.ToLower(k)) {
				why = fmt.Sprintf("transcript mentions %q", k)
				break
			}
		}
	}
	if why == "" {
		return none("call met no condition")
	}
	if !r.inRollout(ev) {
		return Decision{Kind: KindNone, Rule: RuleCallEnded, Reason: "outside rollout"}
	}
	return Decision{Kind: KindCreate, Rule: RuleCallEnded, Category: "call", Reason: why}
}

func metaFloat(m map[string]any, k string) float64 {
	switch v := m[k].(type) {
	case float64:
		return v
	case int:
		return float64(v)
	case int64:
		return float64(v)
	}
	return 0
}

func metaString(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}
