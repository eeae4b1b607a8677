package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/intent"
)

// crossValidate trains on four fifths of the groups and scores the fifth,
// five times, and prints precision, recall and F1 per language at a range
// of thresholds. It is how settings are chosen without the held-out part.
func crossValidate(w io.Writer, rows []row, opt intent.TrainOptions, verbose bool) {
	type scored struct {
		lang        string
		p           float64
		problem     bool
		fires, veto bool
	}
	var all []scored
	for fold := range uint32(5) {
		var train []intent.Example
		var test []row
		for _, r := range rows {
			if r.fold == fold {
				test = append(test, r)
			} else {
				train = append(train, r.Example)
			}
		}
		m := intent.Train(train, opt)
		for _, r := range test {
			p := m.Score(r.Text, r.Evidence...)
			sc := scored{lang: r.lang, p: p, problem: r.Problem}
			for _, e := range r.Evidence {
				sc.fires = sc.fires || e == "fires"
				sc.veto = sc.veto || strings.HasPrefix(e, "veto:")
			}
			all = append(all, sc)
			if verbose && (p >= 0.5) != r.Problem {
				fmt.Fprintf(w, "miss %.2f problem=%v %s\n", p, r.Problem, r.Text)
			}
		}
	}
	langs := map[string]bool{}
	for _, s := range all {
		langs[s.lang] = true
	}
	var ls []string
	for l := range langs {
		ls = append(ls, l)
	}
	sort.Strings(ls)
	var ptp, pfp, pfn [2]int
	for _, r := range rows {
		i := 0
		if r.lang == "zh" {
			i = 1
		}
		fires := false
		for _, e := range r.Evidence {
			fires = fires || e == "fires"
		}
		switch {
		case fires && r.Problem:
			ptp[i]++
		case fires:
			pfp[i]++
		case r.Problem:
			pfn[i]++
		}
	}
	for i, l := range []string{"en", "zh"} {
		fmt.Fprintf(w, "rule pack alone %s: tp=%d fp=%d fn=%d\n", l, ptp[i], pfp[i], pfn[i])
	}
	for _, x := range []float64{0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9} {
		th, combined := x, x > 1
		if combined {
			th -= 1
			fmt.Fprintf(w, "both, threshold %.1f:", th)
		} else {
			fmt.Fprintf(w, "model, threshold %.1f:", th)
		}
		for _, l := range ls {
			var tp, fp, fn int
			for _, s := range all {
				if s.lang != l {
					continue
				}
				yes := s.p >= th
				if combined {
					yes = s.fires || yes && !s.veto
				}
				switch {
				case yes && s.problem:
					tp++
				case yes:
					fp++
				case s.problem:
					fn++
				}
			}
			pr := float64(tp) / float64(max(tp+fp, 1))
			rc := float64(tp) / float64(max(tp+fn, 1))
			fmt.Fprintf(w, "  %s P=%.3f R=%.3f F1=%.3f", l, pr, rc, 2*pr*rc/max(pr+rc, 1e-9))
		}
		fmt.Fprintln(w)
	}
}
