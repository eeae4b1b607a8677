package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ticketbridge/ticketbridge/internal/config"
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

func evalLabels(cmd *cobra.Command, engine *rules.Engine, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open labels: %w", err)
	}
	defer f.Close()
	rep, err := rules.EvalLabels(engine, f, time.Now())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return rep.Write(cmd.OutOrStdout())
}
