package judge

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/judge/judgefake"
	"github.com/ticketbridge/ticketbridge/internal/metrics"
	"github.com/ticketbridge/ticketbridge/internal/redact"
	"github.com/ticketbridge/ticketbridge/internal/rules"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// decideByWord answers problem when the message says "broken".
func decideByWord(user string) (bool, string) {
	if strings.Contains(user, "broken") {
		return true, "the customer reports a broken item; call 13812345678"
	}
	return false, "small talk"
}

type bundle struct {
	fake     *judgefake.Server
	clock    *clock
	judge    *Judge
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// counts reads the requests metric of route "r" by result.
func (b bundle) counts(t *testing.T) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, r := range []string{ResultAsked, ResultAnswered, ResultTimeout, ResultError, ResultOverBudget, ResultCached} {
		var m dto.Metric
		if err := b.requests.WithLabelValues("r", r).Write(&m); err != nil {
			t.Fatal(err)
		}
		if n := m.GetCounter().GetValue(); n > 0 {
			out[r] = n
		}
	}
	return out
}

func setup(t *testing.T, cfg config.Judge) bundle {
	t.Helper()
	fake := judgefake.New(t, "sk-test", decideByWord)
	r, err := redact.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)}
	cfg.URL, cfg.Model, cfg.APIKey = fake.BaseURL(), "qwen2.5-7b-instruct", "sk-test"
	m := metrics.New(nil)
	j := New(cfg, Options{HTTP: fake.Client(), Redactor: r, Policy: redact.Policy{Default: redact.Full}, Now: c.Now,
		Requests: m.JudgeRequests, Duration: m.JudgeDuration, Route: "r"})
	return bundle{fake: fake, clock: c, judge: j, requests: m.JudgeRequests, duration: m.JudgeDuration}
}

func TestAsk(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		behaviour judgefake.Behaviour
		text      string
		want      bool
		err       error // nil: an answer; otherwise errors.Is target, or errAny
		result    string
	}{
		"problem":      {judgefake.Verdict, "my screen arrived broken", true, nil, ResultAnswered},
		"not":          {judgefake.Verdict, "hello there", false, nil, ResultAnswered},
		"server error": {judgefake.Fail, "my screen arrived broken", false, errAny, ResultError},
		"rate limited": {judgefake.RateLimit, "my screen arrived broken", false, ErrCoolingOff, ResultError},
		"garbage json": {judgefake.Garbage, "my screen arrived broken", false, ErrAnswer, ResultError},
		"prose answer": {judgefake.Prose, "my screen arrived broken", false, ErrAnswer, ResultError},
		"timeout":      {judgefake.Hang, "my screen arrived broken", false, context.DeadlineExceeded, ResultTimeout},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, config.Judge{Timeout: 100 * time.Millisecond})
			b.fake.Set(tc.behaviour)
			v, err := b.judge.Ask(context.Background(), tc.text)
			switch {
			case tc.err == nil && err != nil:
				t.Fatalf("Ask: %v", err)
			case tc.err == errAny && err == nil, tc.err != nil && tc.err != errAny && !errors.Is(err, tc.err):
				t.Fatalf("Ask error = %v, want %v", err, tc.err)
			}
			if v.Problem != tc.want {
				t.Errorf("Problem = %v, want %v", v.Problem, tc.want)
			}
			if n := len(b.fake.Requests()); n != 1 {
				t.Errorf("fake got %d requests, want 1", n)
			}
			if got, want := b.counts(t), map[string]float64{ResultAsked: 1, tc.result: 1}; !maps.Equal(got, want) {
				t.Errorf("requests metric = %v, want %v", got, want)
			}
			var m dto.Metric
			if err := b.duration.WithLabelValues("r").(prometheus.Metric).Write(&m); err != nil {
				t.Fatal(err)
			}
			if n := m.GetHistogram().GetSampleCount(); n != 1 {
				t.Errorf("duration metric has %d samples, want 1", n)
			}
		})
	}
}

var errAny = errors.New("any error")

// TestAskRedacts: personal data is masked in the question and in the
// answer's reason; the request carries the key, the model and the prompt.
func TestAskRedacts(t *testing.T) {
	t.Parallel()
	b := setup(t, config.Judge{})
	v, err := b.judge.Ask(context.Background(), "my phone arrived broken, call me on 13812345678 or mail zhang.san@example.com")
	if err != nil {
		t.Fatal(err)
	}
	reqs := b.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("fake got %d requests", len(reqs))
	}
	r := reqs[0]
	if strings.Contains(r.User, "13812345678") || strings.Contains(r.User, "zhang.san") {
		t.Errorf("question not masked: %q", r.User)
	}
	if !strings.Contains(r.User, "arrived broken") || r.Model != "qwen2.5-7b-instruct" || r.Auth != "Bearer sk-test" || r.System != prompt {
		t.Errorf("request = %+v", r)
	}
	if !v.Problem || strings.Contains(v.Reason, "13812345678") || !strings.Contains(v.Reason, "broken item") {
		t.Errorf("verdict = %+v, want a masked reason", v)
	}
}

// TestBudget: beyond per_minute questions the judge is not asked until
// the minute has passed; after a 429 it waits for Retry-After.
func TestBudget(t *testing.T) {
	t.Parallel()
	b := setup(t, config.Judge{PerMinute: 2})
	ctx := context.Background()
	for i := range 2 {
		if _, err := b.judge.Ask(ctx, fmt.Sprint("hello ", i)); err != nil {
			t.Fatalf("question %d: %v", i, err)
		}
	}
	if _, err := b.judge.Ask(ctx, "hello 2"); !errors.Is(err, ErrBudget) {
		t.Fatalf("third question: %v, want ErrBudget", err)
	}
	b.clock.Add(time.Minute)
	b.fake.Set(judgefake.RateLimit)
	if _, err := b.judge.Ask(ctx, "hello 3"); !errors.Is(err, ErrCoolingOff) {
		t.Fatalf("rate limited: %v", err)
	}
	b.fake.Set(judgefake.Verdict)
	b.clock.Add(29 * time.Second)
	if _, err := b.judge.Ask(ctx, "hello 4"); !errors.Is(err, ErrCoolingOff) {
		t.Fatalf("within Retry-After: %v, want ErrCoolingOff", err)
	}
	if n := len(b.fake.Requests()); n != 3 {
		t.Errorf("fake got %d requests, want 3 (none over budget or while cooling off)", n)
	}
	b.clock.Add(2 * time.Second)
	if _, err := b.judge.Ask(ctx, "hello 5"); err != nil {
		t.Fatalf("after Retry-After: %v", err)
	}
	// Four sent (three answered, one 429), two held back.
	want := map[string]float64{ResultAsked: 4, ResultAnswered: 3, ResultError: 1, ResultOverBudget: 2}
	if got := b.counts(t); !maps.Equal(got, want) {
		t.Errorf("requests metric = %v, want %v", got, want)
	}
}

// TestCache: a verdict on a short message is kept, so asking again sends
// nothing and spends no budget; failures and long messages are not kept.
func TestCache(t *testing.T) {
	t.Parallel()
	b := setup(t, config.Judge{PerMinute: 3})
	ctx := context.Background()
	long := "my screen arrived broken " + strings.Repeat("and the box was crushed ", 12)
	b.fake.Set(judgefake.Fail)
	if _, err := b.judge.Ask(ctx, "my screen arrived broken"); err == nil {
		t.Fatal("a failing judge answered")
	}
	b.fake.Set(judgefake.Verdict)
	for _, text := range []string{"my screen arrived broken", long} {
		if v, err := b.judge.Ask(ctx, text); err != nil || !v.Problem {
			t.Fatalf("Ask(%.20q) = %+v, %v", text, v, err)
		}
	}
	// The budget of 3 is spent: the short message is answered from the
	// verdict kept, as often as it comes.
	for range 2 {
		if v, err := b.judge.Ask(ctx, "my screen arrived broken"); err != nil || !v.Problem || !strings.Contains(v.Reason, "broken item") {
			t.Fatalf("kept verdict: %+v, %v", v, err)
		}
	}
	if _, err := b.judge.Ask(ctx, long); !errors.Is(err, ErrBudget) {
		t.Errorf("long message again: %v, want ErrBudget (its verdict is not kept)", err)
	}
	if n := len(b.fake.Requests()); n != 3 {
		t.Errorf("fake got %d requests, want 3: the failure, the short message once, the long one once", n)
	}
	want := map[string]float64{ResultAsked: 3, ResultAnswered: 2, ResultError: 1, ResultOverBudget: 1, ResultCached: 2}
	if got := b.counts(t); !maps.Equal(got, want) {
		t.Errorf("requests metric = %v, want %v", got, want)
	}
}

// TestCacheForgetsTheOldest: past cacheSize verdicts the oldest goes.
func TestCacheForgetsTheOldest(t *testing.T) {
	t.Parallel()
	j := New(config.Judge{}, Options{})
	for i := range cacheSize + 1 {
		j.keep(fmt.Sprint("message ", i), Verdict{Problem: i%2 == 0})
	}
	if _, ok := j.cached("message 0"); ok {
		t.Error("the oldest verdict was kept past cacheSize")
	}
	if v, ok := j.cached(fmt.Sprint("message ", cacheSize)); !ok || !v.Problem {
		t.Errorf("newest verdict = %+v, %v", v, ok)
	}
	if len(j.kept) != cacheSize {
		t.Errorf("%d verdicts kept, want %d", len(j.kept), cacheSize)
	}
}

// TestSettle: the judge overrules the model only on unsure decisions, and
// a judge that fails leaves the model's decision.
func TestSettle(t *testing.T) {
	t.Parallel()
	fake := judgefake.New(t, "", decideByWord)
	routes := []config.Route{
		{Name: "judged", Trigger: config.Trigger{Detector: "model", Judge: &config.Judge{URL: fake.BaseURL(), Model: "m", Timeout: time.Second}}},
		{Name: "plain"},
	}
	s := NewSet(routes, Options{HTTP: fake.Client()})
	if NewSet(routes[1:], Options{}) != nil {
		t.Error("a set without judges should be nil")
	}
	tests := map[string]struct {
		text      string
		in        rules.Decision
		behaviour judgefake.Behaviour
		want      rules.Kind
		rule      string
	}{
		"judge says problem": {"it arrived broken", rules.Decision{Route: "judged", Kind: rules.KindNone, Rule: rules.RuleModel, Unsure: rules.KindCreate}, judgefake.Verdict, rules.KindCreate, rules.RuleJudge},
		"judge says not":     {"hello", rules.Decision{Route: "judged", Kind: rules.KindPropose, Rule: rules.RuleModel, Unsure: rules.KindNone}, judgefake.Verdict, rules.KindNone, rules.RuleJudge},
		"judge agrees":       {"hello", rules.Decision{Route: "judged", Kind: rules.KindNone, Rule: rules.RuleModel, Unsure: rules.KindCreate}, judgefake.Verdict, rules.KindNone, rules.RuleModel},
		"judge down":         {"the lamp arrived broken", rules.Decision{Route: "judged", Kind: rules.KindNone, Rule: rules.RuleModel, Unsure: rules.KindCreate}, judgefake.Fail, rules.KindNone, rules.RuleModel},
		"sure decision":      {"it arrived broken", rules.Decision{Route: "judged", Kind: rules.KindNone, Rule: rules.RuleModel}, judgefake.Verdict, rules.KindNone, rules.RuleModel},
		"route has no judge": {"it arrived broken", rules.Decision{Route: "plain", Kind: rules.KindNone, Unsure: rules.KindCreate}, judgefake.Verdict, rules.KindNone, ""},
	}
	for name, tc := range tests {
		fake.Set(tc.behaviour)
		got := s.Settle(context.Background(), tc.text, []rules.Decision{tc.in})[0]
		if got.Kind != tc.want || got.Rule != tc.rule {
			t.Errorf("%s: got %s by %q (%s), want %s by %q", name, got.Kind, got.Rule, got.Reason, tc.want, tc.rule)
		}
		if got.Route == "judged" && got.Unsure != "" {
			t.Errorf("%s: Unsure left set", name)
		}
	}
	var nilSet *Set
	if d := nilSet.Settle(context.Background(), "x", []rules.Decision{{Kind: rules.KindCreate}}); d[0].Kind != rules.KindCreate {
		t.Error("nil set changed a decision")
	}
}
