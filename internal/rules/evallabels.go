package rules

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// LabelledLine is one line of a labelled corpus (eval/intent/*.jsonl).
type LabelledLine struct {
	Text   string `json:"text"`
	Lang   string `json:"lang"`
	Label  string `json:"label"` // problem or not
	Domain string `json:"domain"`
	Kind   string `json:"kind"`
	Group  string `json:"group"`
}

// Labels for LabelledLine.Label.
const (
	LabelProblem = "problem"
	LabelNot     = "not"
)

// Score counts one slice of a labelled evaluation.
type Score struct {
	TP, FP, FN, TN int
}

// Precision is TP/(TP+FP), 1 when nothing fired.
func (s Score) Precision() float64 { return ratioOr1(s.TP, s.TP+s.FP) }

// Recall is TP/(TP+FN), 1 when there was nothing to find.
func (s Score) Recall() float64 { return ratioOr1(s.TP, s.TP+s.FN) }

// F1 is the harmonic mean of precision and recall.
func (s Score) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratioOr1(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Miss is a labelled line the routes got wrong.
type Miss struct {
	Line     int
	Text     string
	Label    string
	Decision EvalResult
}

// LabelReport is the outcome of EvalLabels.
type LabelReport struct {
	All    Score
	ByLang map[string]Score
	// Chatter counts the "not" lines of the kinds that are plain chatter
	// (greetings, thanks, small talk) for the false-alarm rate.
	Chatter Score
	// ByKind counts the lines of each kind (LabelledLine.Kind), when the
	// corpus has kinds: which problems are missed, which others fire.
	ByKind map[string]Score
	Misses []Miss
	// Judged says a judge settled the unsure decisions (LabelOptions);
	// Unsure counts the lines it was given and Changed those whose
	// outcome it turned.
	Judged          bool
	Unsure, Changed int
}

// LabelOptions change how EvalLabelsWith decides.
type LabelOptions struct {
	// Settle, when set, settles each line's unsure decisions as the
	// server does before it acts on them (a route's LLM judge,
	// internal/judge); nil leaves them as the rules made them.
	Settle func(ctx context.Context, text string, ds []Decision) []Decision
}

// chatterKinds are the corpus kinds counted as chatter.
var chatterKinds = map[string]bool{"greeting": true, "thanks": true, "chatter": true}

// ChatterKind tells whether a corpus kind (LabelledLine.Kind) is small
// talk: a greeting, thanks or chatter. These are the lines the chatter
// false-alarm rate counts and the small-talk model is trained against.
func ChatterKind(kind string) bool { return chatterKinds[kind] }

// EvalLabels runs every labelled line as a customer message that opens
// its own conversation, and compares "a ticket would be created or
// proposed" with the line's label.
func EvalLabels(e *Engine, r io.Reader, now time.Time) (*LabelReport, error) {
	return EvalLabelsWith(context.Background(), e, r, now, LabelOptions{})
}

// EvalLabelsWith is EvalLabels with options.
func EvalLabelsWith(ctx context.Context, e *Engine, r io.Reader, now time.Time, opt LabelOptions) (*LabelReport, error) {
	if len(e.set().routes) == 0 {
		return nil, errors.New("no routes")
	}
	src := ""
	if s := e.set().routes[0].Config.Sources; len(s) > 0 {
		src = s[0]
	}
	rep := &LabelReport{ByLang: map[string]Score{}, ByKind: map[string]Score{}, Judged: opt.Settle != nil}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxEvalLine)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l LabelledLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if l.Label != LabelProblem && l.Label != LabelNot {
			return nil, fmt.Errorf("line %d: label %q is neither %s nor %s", n, l.Label, LabelProblem, LabelNot)
		}
		conv := "label-" + strconv.Itoa(n)
		ev := core.Event{Source: src, EventID: conv, Kind: core.KindMessage, Time: now, Text: l.Text,
			Conversation: core.ConversationRef{Source: src, Conversation: conv},
			Sender:       core.Sender{ID: "customer", Role: core.RoleCustomer}}
		res := rep.decide(ctx, opt, e.Evaluate(ev, State{Now: now}), l.Text)
		got, want := fired(res), l.Label == LabelProblem
		lang := rep.ByLang[l.Lang]
		count(&rep.All, got, want)
		count(&lang, got, want)
		rep.ByLang[l.Lang] = lang
		if chatterKinds[l.Kind] {
			count(&rep.Chatter, got, want)
		}
		if l.Kind != "" {
			k := rep.ByKind[l.Kind]
			count(&k, got, want)
			rep.ByKind[l.Kind] = k
		}
		if got != want {
			rep.Misses = append(rep.Misses, Miss{Line: n, Text: l.Text, Label: l.Label, Decision: res})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read labels: %w", err)
	}
	return rep, nil
}

// decide is the line's outcome, after the judge where there is one and
// a decision is unsure.
func (rep *LabelReport) decide(ctx context.Context, opt LabelOptions, ds []Decision, text string) EvalResult {
	res := firstAction(ds)
	if opt.Settle == nil || !anyUnsure(ds) {
		return res
	}
	rep.Unsure++
	settled := firstAction(opt.Settle(ctx, text, ds))
	if fired(settled) != fired(res) {
		rep.Changed++
	}
	return settled
}

func anyUnsure(ds []Decision) bool {
	for _, d := range ds {
		if d.Unsure != "" {
			return true
		}
	}
	return false
}

// fired is "a ticket would be created or proposed".
func fired(r EvalResult) bool { return r.Decision == KindCreate || r.Decision == KindPropose }

func firstAction(ds []Decision) EvalResult {
	if len(ds) == 0 {
		return EvalResult{Decision: KindNone, Reason: "no route"}
	}
	pick := ds[0]
	for _, d := range ds {
		if d.Kind != KindNone {
			pick = d
			break
		}
	}
	return EvalResult{Decision: pick.Kind, Route: pick.Route, Rule: pick.Rule, Category: pick.Category, Reason: pick.Reason}
}

func count(s *Score, fired, want bool) {
	switch {
	case fired && want:
		s.TP++
	case fired:
		s.FP++
	case want:
		s.FN++
	default:
		s.TN++
	}
}

// Write prints the report: precision, recall and F1 overall and per
// language, false alarms per 1,000 messages, the misses and false alarms
// per kind, then every miss.
func (rep *LabelReport) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%-8s %6s %5s %5s %5s %9s %7s %6s\n", "lang", "lines", "tp", "fp", "fn", "precision", "recall", "f1")
	langs := make([]string, 0, len(rep.ByLang))
	for l := range rep.ByLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	row := func(name string, s Score) {
		fmt.Fprintf(bw, "%-8s %6d %5d %5d %5d %9.3f %7.3f %6.3f\n", name, s.TP+s.FP+s.FN+s.TN, s.TP, s.FP, s.FN, s.Precision(), s.Recall(), s.F1())
	}
	for _, l := range langs {
		row(l, rep.ByLang[l])
	}
	row("all", rep.All)
	fmt.Fprintf(bw, "false alarms: %d of %d non-problem lines (%.1f per 1,000); %d of %d chatter lines (%.1f per 1,000)\n",
		rep.All.FP, rep.All.FP+rep.All.TN, perMille(rep.All.FP, rep.All.FP+rep.All.TN),
		rep.Chatter.FP, rep.Chatter.FP+rep.Chatter.TN, perMille(rep.Chatter.FP, rep.Chatter.FP+rep.Chatter.TN))
	rep.writeKinds(bw)
	if rep.Judged {
		fmt.Fprintf(bw, "judge: %d unsure lines settled, %d of them turned\n", rep.Unsure, rep.Changed)
	}
	if len(rep.Misses) > 0 {
		fmt.Fprintf(bw, "\nmisses (%d):\n", len(rep.Misses))
	}
	for _, m := range rep.Misses {
		what := "missed problem"
		if m.Label == LabelNot {
			what = "false alarm"
		}
		why := m.Decision.Reason
		if m.Decision.Rule != "" && !strings.HasPrefix(why, m.Decision.Rule+": ") {
			why = m.Decision.Rule + ": " + why
		}
		fmt.Fprintf(bw, "line %d: %s: %q → %s (%s)\n", m.Line, what, m.Text, m.Decision.Decision, why)
	}
	return bw.Flush()
}

// writeKinds prints, per kind, the problems missed and the other lines
// that fired, as "kind misses/lines".
func (rep *LabelReport) writeKinds(w io.Writer) {
	kinds := make([]string, 0, len(rep.ByKind))
	for k := range rep.ByKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, side := range []struct {
		name    string
		problem bool
	}{{"missed problems by kind:", true}, {"false alarms by kind:", false}} {
		var parts []string
		for _, k := range kinds {
			s := rep.ByKind[k]
			if side.problem && s.TP+s.FN > 0 {
				parts = append(parts, fmt.Sprintf("%s %d/%d", k, s.FN, s.TP+s.FN))
			} else if !side.problem && s.FP+s.TN > 0 {
				parts = append(parts, fmt.Sprintf("%s %d/%d", k, s.FP, s.FP+s.TN))
			}
		}
		if len(parts) > 0 {
			fmt.Fprintln(w, side.name, strings.Join(parts, ", "))
		}
	}
}

func perMille(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 1000 * float64(a) / float64(b)
}
