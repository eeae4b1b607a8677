package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestRulesEvalLabels: --labels prints the scores per language and the
// misses; --detector changes them; bad flags are refused.
func TestRulesEvalLabels(t *testing.T) {
	t.Parallel()
	labels := filepath.Join("..", "..", "internal", "rules", "testdata", "labels.jsonl")
	tests := map[string]struct {
		args []string
		want []string
		err  string
	}{
		"keywords": {args: nil, want: []string{
			"en            4     1     0     1     1.000   0.500  0.667",
			`missed problem: "the stream freezes for viewers after ten minutes" → none (no match)`,
		}},
		"both": {args: []string{"--detector", "both"}, want: []string{
			"all           8     4     0     0     1.000   1.000  1.000",
			"false alarms: 0 of 4 non-problem lines",
		}},
		"bad detector":  {args: []string{"--detector", "magic"}, err: `--detector "magic"`},
		"bad threshold": {args: []string{"--detector", "model", "--threshold", "1.5"}, err: "--threshold 1.5"},
		// With thresholds anything clears, the guards still hold: the
		// non-problems here are a solved problem, a negated one and two
		// lines of small talk ("hello there", "好的，谢谢"), which the
		// small-talk guard keeps from firing even with the bare
		// threshold as low (internal/rules tests the bare threshold on
		// other text).
		"tiny threshold": {args: []string{"--detector", "model", "--threshold", "0.0001"}, want: []string{
			"false alarms: 0 of 4 non-problem lines",
		}},
		"tiny bare threshold": {args: []string{"--detector", "model", "--threshold", "0.0001", "--bare-threshold", "0.0001"}, want: []string{
			"false alarms: 0 of 4 non-problem lines",
		}},
		"bare below threshold": {args: []string{"--detector", "model", "--threshold", "0.8", "--bare-threshold", "0.5"}, err: "--bare-threshold 0.5"},
		"bad small-talk veto":  {args: []string{"--detector", "both", "--small-talk-veto", "1"}, err: "--small-talk-veto 1"},
		"missing file":         {args: []string{"--labels", "nowhere.jsonl"}, err: "open labels"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"rules", "eval", "--labels", labels}, tc.args...)
			r := run(t, "", args...)
			if tc.err != "" {
				if r.err == nil || !strings.Contains(r.err.Error()+r.stderr, tc.err) {
					t.Fatalf("err = %v, stderr %q, want %q", r.err, r.stderr, tc.err)
				}
				return
			}
			if r.err != nil {
				t.Fatalf("rules eval --labels: %v\n%s", r.err, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}
