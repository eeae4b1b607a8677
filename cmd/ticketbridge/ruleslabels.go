package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/judge"
	"github.com/ticketbridge/ticketbridge/internal/netguard"
	"github.com/ticketbridge/ticketbridge/internal/rules"
)

// overrideDetector applies `rules eval --detector/--threshold/--bare-threshold/--small-talk-veto` to every
// route, so one corpus can be measured under each detector without
// editing the configuration.
func overrideDetector(cmd *cobra.Command, cfg *config.Config) error {
	det, _ := cmd.Flags().GetString("detector")
	th, _ := cmd.Flags().GetFloat64("threshold")
	bare, _ := cmd.Flags().GetFloat64("bare-threshold")
	veto, _ := cmd.Flags().GetFloat64("small-talk-veto")
	switch det {
	case "", rules.DetectorKeywords, rules.DetectorModel, rules.DetectorBoth:
	default:
		return fmt.Errorf("--detector %q: want keywords, model or both", det)
	}
	if th < 0 || th >= 1 {
		return fmt.Errorf("--threshold %g: want a probability between 0 and 1", th)
	}
	if bare < 0 || bare > 1 || bare != 0 && bare < th {
		return fmt.Errorf("--bare-threshold %g: want a probability between --threshold and 1", bare)
	}
	if veto < 0 || veto >= 1 {
		return fmt.Errorf("--small-talk-veto %g: want a probability between 0 and 1", veto)
	}
	for i := range cfg.Routes {
		t := &cfg.Routes[i].Trigger
		if det != "" {
			t.Detector = det
		}
		if th != 0 {
			t.Threshold = th
		}
		if bare != 0 {
			t.BareThreshold = bare
		}
		if veto != 0 {
			t.SmallTalkVeto = veto
		}
	}
	return nil
}

func evalLabels(cmd *cobra.Command, cfg *config.Config, engine *rules.Engine, path string) error {
	var opt rules.LabelOptions
	var requests *prometheus.CounterVec
	if ask, _ := cmd.Flags().GetBool("judge"); ask {
		set, reqs, err := labelJudges(cfg)
		if err != nil {
			return err
		}
		opt.Settle, requests = set.Settle, reqs
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open labels: %w", err)
	}
	defer f.Close()
	rep, err := rules.EvalLabelsWith(cmd.Context(), engine, f, time.Now(), opt)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if requests != nil {
		// Before the report, so that the misses stay its last part.
		if err := writeJudgeRequests(cmd, requests); err != nil {
			return err
		}
	}
	return rep.Write(cmd.OutOrStdout())
}

// labelJudges builds the routes' judges as the server does: through the
// outbound guard, with the message masked. requests counts their
// questions by route and result, so that what the budget or a slow
// judge left to the model is shown beside the scores.
func labelJudges(cfg *config.Config) (*judge.Set, *prometheus.CounterVec, error) {
	allow, err := netguard.ParsePrefixes(cfg.Security.AllowOutbound)
	if err != nil {
		return nil, nil, fmt.Errorf("security.allow_outbound: %w", err)
	}
	red, err := app.Redactor(cfg.Security.Redact)
	if err != nil {
		return nil, nil, err
	}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "judge_requests"}, []string{"route", "result"})
	set := judge.NewSet(cfg.Routes, judge.Options{HTTP: netguard.Client(allow, 30*time.Second), Redactor: red,
		Policy: app.RedactPolicy(cfg), Requests: requests})
	if set == nil {
		return nil, nil, errors.New("--judge: no route has trigger.judge")
	}
	return set, requests, nil
}

// writeJudgeRequests prints how the judges' questions ended, summed over
// the routes.
func writeJudgeRequests(cmd *cobra.Command, requests *prometheus.CounterVec) error {
	reg := prometheus.NewRegistry()
	if err := reg.Register(requests); err != nil {
		return fmt.Errorf("count judge questions: %w", err)
	}
	fams, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("count judge questions: %w", err)
	}
	sums := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" {
					sums[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	out := cmd.OutOrStdout()
	fmt.Fprint(out, "judge questions:")
	for _, r := range []string{judge.ResultAsked, judge.ResultAnswered, judge.ResultTimeout, judge.ResultError, judge.ResultOverBudget, judge.ResultCached} {
		fmt.Fprintf(out, " %s %.0f", r, sums[r])
	}
	fmt.Fprintln(out)
	return nil
}
