package rules

import (
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
)

// benchTexts mix problems and chatter in both languages, at chat length.
var benchTexts = []string{
	"I was charged twice for the same order",
	"hello, when do you open tomorrow?",
	"页面一直打不开，已经试了很多次了",
	"thanks, the refund arrived",
	"my parcel arrived broken and I want a refund, order 4417",
	"好的，谢谢",
	"The live stream freezes for viewers after about ten minutes",
	"直播十分钟左右观众那边就卡住不动了",
}

func benchDetector(b *testing.B, detector string) {
	e := mustCompile(b, route("r", func(r *config.Route) {
		r.Trigger.RulePack = "default"
		r.Trigger.Detector = detector
	}))
	st := State{Now: t0}
	b.ReportAllocs()
	// The machine may be shared: besides wall time, report the CPU time
	// of this thread, which other processes do not inflate.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU(b)
	n := 0
	for i := 0; b.Loop(); i++ {
		e.Evaluate(msg(benchTexts[i%len(benchTexts)]), st)
		n++
	}
	b.ReportMetric(float64((threadCPU(b)-start).Nanoseconds())/float64(n), "cpu-ns/op")
}

func threadCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecide is the decision cost per message of one route, per
// detector (issue #15's target: 20 µs).
func BenchmarkDecide(b *testing.B) {
	for _, d := range []string{DetectorKeywords, DetectorModel, DetectorBoth} {
		b.Run(d, func(b *testing.B) { benchDetector(b, d) })
	}
}

// TestDetectors: what each detector makes of the examples of issue #15.
// The model's own cases are ones its training part does not hold; the
// measurements over the held-out part are in BENCHMARKS.md.
func TestDetectors(t *testing.T) {
	t.Parallel()
	type want struct{ keywords, model, both Kind }
	// unpinned marks what the model alone gets wrong today: the pack's
	// clear statements are why "both" exists.
	create, none, unpinned := KindCreate, KindNone, Kind("")
	tests := map[string]want{
		// The past-tense complaint the pack used to read as resolved.
		"my parcel arrived broken, I want a refund": {create, unpinned, create},
		"the parcel is broken, I want a refund":     {create, unpinned, create},
		// Plain RTC and SaaS problems without a pack keyword.
		"the stream freezes for viewers after ten minutes":               {none, create, create},
		"please open a ticket, our invoices show the wrong company name": {none, create, create},
		"这是我第三次来问同一个问题了，还是没人处理":                                          {create, create, create},
		// Guards veto every detector.
		"thanks, the refund arrived":        {none, none, none},
		"no need to refund, I will keep it": {none, none, none},
		"好的，谢谢":                             {none, none, none},
	}
	for text, w := range tests {
		for det, kind := range map[string]Kind{DetectorKeywords: w.keywords, DetectorModel: w.model, DetectorBoth: w.both} {
			e := mustCompile(t, route("r", func(r *config.Route) {
				r.Trigger.RulePack = "default"
				r.Trigger.Detector = det
			}))
			d := e.Evaluate(msg(text), State{Now: t0})[0]
			if kind != unpinned && d.Kind != kind {
				t.Errorf("%s: %q: got %s (%s: %s), want %s", det, text, d.Kind, d.Rule, d.Reason, kind)
			}
			if det == DetectorModel && d.Rule != RuleModel {
				t.Errorf("model: %q: rule %q", text, d.Rule)
			}
		}
	}
}

// TestModelRouteNegations: a route's own negations veto the model too.
func TestModelRouteNegations(t *testing.T) {
	t.Parallel()
	e := mustCompile(t, route("r", func(r *config.Route) {
		r.Trigger.Detector = DetectorModel
		r.Trigger.Negations = []string{"test message"}
	}))
	d := e.Evaluate(msg("test message: the stream freezes for viewers after ten minutes"), State{Now: t0})[0]
	if d.Kind != KindNone || d.Reason != GuardNegated {
		t.Errorf("got %s (%s), want none (negated)", d.Kind, d.Reason)
	}
}

// TestUnsure: with a judge, decisions near the threshold say what to do
// if the judge disagrees; out of rollout there is nothing to ask.
func TestUnsure(t *testing.T) {
	t.Parallel()
	judged := func(mod func(r *config.Route)) *Engine {
		return mustCompile(t, route("r", func(r *config.Route) {
			r.Trigger.Detector = DetectorModel
			r.Trigger.Confirm = true
			// A band this wide around 0.5 makes every decision unsure.
			r.Trigger.Threshold, r.Trigger.BareThreshold = 0.5, 0.5
			r.Trigger.Judge = &config.Judge{URL: "http://llm.test/v1", Model: "m", Band: 0.49999}
			if mod != nil {
				mod(r)
			}
		}))
	}
	tests := map[string]struct {
		e         *Engine
		text      string
		kind, alt Kind
	}{
		"problem, judge may say no":  {judged(nil), "the stream freezes for viewers after ten minutes", KindPropose, KindNone},
		"chatter, judge may say yes": {judged(nil), "好的，谢谢", KindNone, KindPropose},
		"out of rollout":             {judged(func(r *config.Route) { r.Rollout = intp(0) }), "好的，谢谢", KindNone, ""},
		"guarded":                    {judged(nil), "thanks, the refund arrived", KindNone, ""},
	}
	for name, tc := range tests {
		d := tc.e.Evaluate(msg(tc.text), State{Now: t0})[0]
		if d.Kind != tc.kind || d.Unsure != tc.alt {
			t.Errorf("%s: got %s unsure %q (%s), want %s unsure %q", name, d.Kind, d.Unsure, d.Reason, tc.kind, tc.alt)
		}
	}
}

// TestSmallTalkBand: a proposal the main model is sure of is unsure
// when the small-talk model's score is within the judge band of its veto,
// on the model's path and on a rule-pack match. The veto at 0.9 with the
// widest band puts any score above 0.4 in the band; a narrow band puts
// none of these in it.
func TestSmallTalkBand(t *testing.T) {
	t.Parallel()
	engine := func(detector string, band float64) *Engine {
		return mustCompile(t, route("r", func(r *config.Route) {
			r.Trigger.Detector, r.Trigger.RulePack, r.Trigger.Confirm = detector, "default", true
			// The main model's own band (around 0.01) never reaches a
			// problem it scores high.
			r.Trigger.Threshold, r.Trigger.BareThreshold, r.Trigger.SmallTalkVeto = 0.01, 0.01, 0.9
			r.Trigger.Judge = &config.Judge{URL: "http://llm.test/v1", Model: "m", Band: band}
		}))
	}
	const (
		problem = "the stream freezes for viewers after ten minutes"
		pack    = "my parcel arrived broken, I want a refund"
	)
	tests := map[string]struct {
		e      *Engine
		text   string
		unsure bool
	}{
		"model, wide band":   {engine(DetectorModel, 0.49999), problem, true},
		"model, narrow band": {engine(DetectorModel, 0.00001), problem, false},
		"pack, wide band":    {engine(DetectorBoth, 0.49999), pack, true},
		"pack, narrow band":  {engine(DetectorBoth, 0.00001), pack, false},
	}
	for name, tc := range tests {
		d := tc.e.Evaluate(msg(tc.text), State{Now: t0})[0]
		if d.Kind == KindNone && !tc.unsure {
			t.Errorf("%s: got none (%s), want a proposal", name, d.Reason)
		}
		if got := d.Unsure != ""; got != tc.unsure {
			t.Errorf("%s: unsure %q (%s %s), want unsure %v", name, d.Unsure, d.Kind, d.Reason, tc.unsure)
		}
	}
}

// TestBareThreshold: a message that names no trouble needs the higher
// bare threshold; one that names trouble needs only the threshold.
func TestBareThreshold(t *testing.T) {
	t.Parallel()
	model := func(bare float64) *Engine {
		return mustCompile(t, route("r", func(r *config.Route) {
			r.Trigger.Detector = DetectorModel
			// So low that any message clears it: what decides is the
			// bare threshold (the small-talk model's veto is off).
			r.Trigger.Threshold, r.Trigger.BareThreshold = 1e-12, bare
			r.Trigger.SmallTalkVeto = 1e-12
		}))
	}
	tests := map[string]struct {
		e      *Engine
		text   string
		want   Kind
		reason string
	}{
		"bare, high bar":        {model(0.9999), "see you at the meetup on Friday", KindNone, "for a message naming no trouble"},
		"bare, no extra bar":    {model(0.0001), "see you at the meetup on Friday", KindCreate, "at or above 0.00"},
		"trouble, high bar":     {model(0.9999), "the stream freezes for viewers after ten minutes", KindCreate, "at or above 0.00"},
		"bare, default applies": {model(0), "see you at the meetup on Friday", KindNone, "below 0.90 for a message naming no trouble"},
		// Small talk never proposes, whatever the thresholds.
		"small talk, no bar":    {model(1e-12), "ok thanks, one sec", KindNone, GuardSmallTalk},
		"small talk, no bar zh": {model(1e-12), "客服你好，在吗？", KindNone, GuardSmallTalk},
	}
	for name, tc := range tests {
		d := tc.e.Evaluate(msg(tc.text), State{Now: t0})[0]
		if d.Kind != tc.want || !strings.Contains(d.Reason, tc.reason) {
			t.Errorf("%s: got %s (%s), want %s (…%s…)", name, d.Kind, d.Reason, tc.want, tc.reason)
		}
	}
}

// TestSmallTalkVeto: the small-talk model drops the proposals, the
// model's and the rule pack's, of a message it reads as small talk, and
// small_talk_veto moves or removes that bar.
func TestSmallTalkVeto(t *testing.T) {
	t.Parallel()
	engine := func(detector string, threshold, veto float64) *Engine {
		return mustCompile(t, route("r", func(r *config.Route) {
			r.Trigger.Detector, r.Trigger.RulePack = detector, "default"
			r.Trigger.Threshold, r.Trigger.BareThreshold, r.Trigger.SmallTalkVeto = threshold, threshold, veto
		}))
	}
	const (
		chat    = "see you at the meetup on Friday"
		problem = "the stream freezes for viewers after ten minutes"
		pack    = "my parcel arrived broken, I want a refund"
	)
	tests := map[string]struct {
		e      *Engine
		text   string
		want   Kind
		reason string
	}{
		// With a threshold this low the main model proposes anything:
		// what decides is the small-talk model.
		"model, small talk":   {engine(DetectorModel, 1e-12, 0), chat, KindNone, "small talk: small-talk model"},
		"model, problem":      {engine(DetectorModel, 1e-12, 0), problem, KindCreate, "at or above"},
		"model, veto off":     {engine(DetectorModel, 1e-12, 1e-12), chat, KindCreate, "at or above"},
		"model, bar too high": {engine(DetectorModel, 1e-12, 0.999999), problem, KindNone, "below 1.00"},
		"pack, default":       {engine(DetectorBoth, 0, 0), pack, KindCreate, ""},
		"pack, bar too high":  {engine(DetectorBoth, 0, 0.999999), pack, KindNone, "but small talk: small-talk model"},
		"keywords, no veto":   {engine(DetectorKeywords, 0, 0.999999), pack, KindCreate, ""},
	}
	for name, tc := range tests {
		d := tc.e.Evaluate(msg(tc.text), State{Now: t0})[0]
		if d.Kind != tc.want || !strings.Contains(d.Reason, tc.reason) {
			t.Errorf("%s: got %s (%s), want %s (…%s…)", name, d.Kind, d.Reason, tc.want, tc.reason)
		}
	}
}

// TestPackVeto: on a "both" route the model overrules a pack match it
// scores under PackVeto (a pack word in a harmless sentence), and leaves
// the pack's other matches alone.
func TestPackVeto(t *testing.T) {
	t.Parallel()
	e := mustCompile(t, route("r", func(r *config.Route) { r.Trigger.Detector, r.Trigger.RulePack = DetectorBoth, "default" }))
	keywords := mustCompile(t, route("r", func(r *config.Route) { r.Trigger.RulePack = "default" }))
	const harmless = "The song I'm streaming is called Refund Me My Heart"
	if d := keywords.Evaluate(msg(harmless), State{Now: t0})[0]; d.Kind != KindCreate {
		t.Fatalf("the pack alone should match %q, got %s (%s)", harmless, d.Kind, d.Reason)
	}
	d := e.Evaluate(msg(harmless), State{Now: t0})[0]
	if d.Kind != KindNone || d.Rule != RuleModel || !strings.Contains(d.Reason, "but model") {
		t.Errorf("harmless: got %s by %s (%s), want none by the model", d.Kind, d.Rule, d.Reason)
	}
	d = e.Evaluate(msg("my parcel arrived broken, I want a refund"), State{Now: t0})[0]
	if d.Kind != KindCreate || !strings.HasPrefix(d.Rule, "pack:") || d.Score < PackVeto {
		t.Errorf("problem: got %s by %s (%s, score %.2f), want create by the pack", d.Kind, d.Rule, d.Reason, d.Score)
	}
}

// TestDetectorCompileErrors: routes built by hand get the same checks as
// configuration files.
func TestDetectorCompileErrors(t *testing.T) {
	t.Parallel()
	_, errs := Compile([]config.Route{route("r", func(r *config.Route) {
		r.Trigger.Detector = "magic"
		r.Trigger.Threshold = 2
		r.Trigger.SmallTalkVeto = -0.5
	})})
	if len(errs) != 3 || errs[0].Field != "routes[0].trigger.detector" || errs[1].Field != "routes[0].trigger.threshold" ||
		errs[2].Field != "routes[0].trigger.small_talk_veto" {
		t.Errorf("errors = %v", errs)
	}
}

// BenchmarkDecideChatter is the load generator's chatter ("thanks, that
// answers my question #N") on a keywords route: what ingest pays per event.
func BenchmarkDecideChatter(b *testing.B) {
	e := mustCompile(b, route("r", func(r *config.Route) { r.Trigger.RulePack = "default" }))
	st := State{Now: t0}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e.Evaluate(msg("thanks, that answers my question #"+strconv.Itoa(i)), st)
	}
}
