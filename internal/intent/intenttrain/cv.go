package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/intent"
	"github.com/ticketbridge/ticketbridge/internal/rules"
)

// scored is one training message scored by a model that did not see it.
type scored struct {
	lang, kind, text string
	problem          bool
	p                float64
	trouble          bool // the text names trouble (intent.Assessment)
	pattern          bool // a pack pattern matched, even under the pack's threshold
	fires, veto      bool // the pack decided create, or a pack guard vetoed
	small            bool // only greetings, thanks, acknowledgements, waiting (rules.SmallTalk)
	head             float64
}

// crossValidate trains on four fifths of the groups and scores the fifth,
// five times, and prints precision, recall, F1 and false alarms on small
// talk per language for the settings a route can choose, combined with
// the rule pack as internal/rules combines them. It is how the defaults
// are chosen without the held-out part. With verbose, every scored message
// is printed too (tab-separated), for a look at what goes wrong. With
// keep, only the messages it holds are scored (all are trained on). With
// head (a list of kinds), a second model is trained in each fold on the
// problems against those kinds only, as the small-talk model is (with
// hopt, and also on headExtra, which is never scored), and the "head"
// lines report "both" with its veto at several thresholds.
func crossValidate(w io.Writer, rows []row, opt, hopt intent.TrainOptions, verbose bool, keep map[string]bool, head string, headExtra []row) {
	var all []scored
	for fold := range uint32(5) {
		var train, test []row
		for _, r := range rows {
			if r.fold == fold {
				if keep == nil || keep[r.Text] {
					test = append(test, r)
				}
			} else {
				train = append(train, r)
			}
		}
		m := intent.Train(examplesOf(train), opt)
		var hm *intent.Model
		if head != "" {
			hm = intent.Train(examplesOf(againstKinds(slices.Concat(train, headExtra), head)), hopt)
		}
		for _, r := range test {
			a := m.Assess(r.Text, r.Evidence...)
			s := scored{lang: r.lang, kind: r.kind, text: r.Text, problem: r.Problem, p: a.P, trouble: a.Trouble, small: rules.SmallTalk(r.Text), head: 1}
			if hm != nil {
				s.head = hm.Score(r.Text, r.Evidence...)
			}
			for _, e := range r.Evidence {
				s.fires = s.fires || e == "fires"
				s.veto = s.veto || strings.HasPrefix(e, "veto:")
				s.pattern = s.pattern || strings.HasPrefix(e, "p:")
			}
			all = append(all, s)
			if verbose {
				fmt.Fprintf(w, "cv\t%.4f\t%.4f\t%v\t%s\t%s\ttrouble=%v pattern=%v fires=%v veto=%v small=%v\t%s\n",
					s.p, s.head, s.problem, s.lang, s.kind, s.trouble, s.pattern, s.fires, s.veto, s.small, s.text)
			}
		}
	}
	sweep(w, all)
	report(w, "rule pack alone", all, func(s scored) bool { return s.fires })
	for _, th := range []float64{0.5, 0.6, 0.7, 0.8, 0.9} {
		for i, bare := range []float64{th, rules.DefaultBareThreshold, 0.95} {
			if i > 0 && bare <= th {
				continue
			}
			model := func(s scored) bool {
				need := th
				if !s.trouble && !s.pattern {
					need = bare
				}
				return !s.veto && !s.small && s.p >= need
			}
			report(w, fmt.Sprintf("model %.2f bare %.2f", th, bare), all, model)
			both := func(s scored) bool {
				if s.fires {
					return s.p >= rules.PackVeto
				}
				return model(s)
			}
			report(w, fmt.Sprintf("both  %.2f bare %.2f", th, bare), all, both)
			if head != "" {
				for _, h := range []float64{0.5, 0.6, 0.7, 0.8, 0.9} {
					report(w, fmt.Sprintf("head%.1f %.2f bare %.2f", h, th, bare), all, func(s scored) bool { return both(s) && s.head >= h })
				}
			}
		}
	}
}

func report(w io.Writer, name string, all []scored, yes func(scored) bool) {
	fmt.Fprintf(w, "%-26s", name)
	for _, l := range []string{"en", "zh"} {
		var tp, fp, fn, chatter, alarms int
		for _, s := range all {
			if s.lang != l {
				continue
			}
			y := yes(s)
			if rules.ChatterKind(s.kind) {
				chatter++
				if y {
					alarms++
				}
			}
			switch {
			case y && s.problem:
				tp++
			case y:
				fp++
			case s.problem:
				fn++
			}
		}
		pr := float64(tp) / float64(max(tp+fp, 1))
		rc := float64(tp) / float64(max(tp+fn, 1))
		fmt.Fprintf(w, "  %s P=%.3f R=%.3f F1=%.3f chatter %5.1f/1000", l, pr, rc, 2*pr*rc/max(pr+rc, 1e-9), 1000*float64(alarms)/float64(max(chatter, 1)))
	}
	fmt.Fprintln(w)
}

// sweep prints, per language, the model's ranking quality independent of
// any threshold: average precision, and the best recall (and F1) any one
// threshold reaches at precision 0.95 or more with its small-talk false
// alarms. Feature and training changes are compared on it, thresholds on
// the report lines.
func sweep(w io.Writer, all []scored) {
	fmt.Fprintf(w, "%-26s", "ranking")
	for _, l := range []string{"en", "zh"} {
		var ss []scored
		pos := 0
		for _, s := range all {
			if s.lang == l {
				ss = append(ss, s)
				if s.problem {
					pos++
				}
			}
		}
		sort.Slice(ss, func(i, j int) bool { return ss[i].p > ss[j].p })
		var tp, fp, chatter, alarms int
		var ap, bestR, bestF1, bestAlarms float64
		for _, s := range ss {
			if rules.ChatterKind(s.kind) {
				chatter++
			}
		}
		for _, s := range ss {
			if s.problem {
				tp++
				ap += float64(tp) / float64(tp+fp)
			} else {
				fp++
				if rules.ChatterKind(s.kind) {
					alarms++
				}
			}
			pr, rc := float64(tp)/float64(tp+fp), float64(tp)/float64(max(pos, 1))
			if pr >= 0.95 && rc > bestR {
				bestR, bestF1 = rc, 2*pr*rc/(pr+rc)
				bestAlarms = 1000 * float64(alarms) / float64(max(chatter, 1))
			}
		}
		fmt.Fprintf(w, "  %s AP=%.3f R@P95=%.3f F1=%.3f chatter %5.1f/1000", l, ap/float64(max(pos, 1)), bestR, bestF1, bestAlarms)
	}
	fmt.Fprintln(w)
}
