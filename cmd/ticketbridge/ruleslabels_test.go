package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/judge/judgefake"
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

// TestRulesEvalLabelsJudge: --judge asks the routes' judge about the
// unsure lines as the server does (masked, through the outbound guard),
// counts the lines it turned and says how its questions ended, including
// when it fails and the model's decisions stand.
func TestRulesEvalLabelsJudge(t *testing.T) {
	t.Parallel()
	// A judge that reads nothing as a problem: every proposal it is
	// asked about turns into none.
	fake := judgefake.New(t, "sk-test", func(string) (bool, string) { return false, "small talk" })
	dir := t.TempDir()
	// So wide a band that nearly every message is unsure.
	cfg := writeJudgeConfig(t, dir, fake.BaseURL(), fake.Key, "per_minute: 1000\nband: 0.49")
	labels := filepath.Join(dir, "labels.jsonl")
	writeFile(t, labels, `{"text":"the stream freezes for viewers after ten minutes, call me on 13812345678","lang":"en","label":"problem","kind":"plain"}
{"text":"直播十分钟左右观众那边就卡住不动了","lang":"zh","label":"problem","kind":"plain"}
{"text":"hello there","lang":"en","label":"not","kind":"greeting"}
`)
	turned := regexp.MustCompile(`judge: (\d+) unsure lines settled, (\d+) of them turned`)
	eval := func() (settled, changed int, stdout string) {
		t.Helper()
		r := run(t, "", "rules", "eval", "--config", cfg, "--labels", labels, "--judge")
		if r.err != nil {
			t.Fatalf("rules eval --judge: %v\n%s", r.err, r.stderr)
		}
		m := turned.FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("no judge line in:\n%s", r.stdout)
		}
		settled, _ = strconv.Atoi(m[1])
		changed, _ = strconv.Atoi(m[2])
		return settled, changed, r.stdout
	}

	settled, changed, out := eval()
	if settled < 2 || changed < 2 {
		t.Errorf("judge saying no to both problems: %d settled, %d turned, want at least 2 each\n%s", settled, changed, out)
	}
	if !strings.Contains(out, fmt.Sprintf("asked %d answered %d timeout 0 error 0 over_budget 0", settled, settled)) {
		t.Errorf("questions not reported as all answered:\n%s", out)
	}
	for _, r := range fake.Requests() {
		if strings.Contains(r.User, "13812345678") {
			t.Errorf("the judge was sent an unmasked phone number: %q", r.User)
		}
	}

	fake.Set(judgefake.Fail)
	settled, changed, out = eval()
	if settled < 2 || changed != 0 {
		t.Errorf("failing judge: %d settled, %d turned, want the model's decisions to stand\n%s", settled, changed, out)
	}
	if !strings.Contains(out, fmt.Sprintf("answered 0 timeout 0 error %d", settled)) {
		t.Errorf("failures not reported:\n%s", out)
	}

	// The decision stream never asks the judge, so --judge there is refused.
	if r := run(t, "", "rules", "eval", "--config", cfg, "--judge"); r.err == nil || !strings.Contains(r.err.Error(), "--judge works with --labels") {
		t.Errorf("--judge without --labels: err %v", r.err)
	}

	// A config without a judge is refused, not silently measured without.
	r := run(t, "", "rules", "eval", "--labels", labels, "--judge")
	if r.err == nil || !strings.Contains(r.err.Error(), "no route has trigger.judge") {
		t.Errorf("--judge without a judge: err %v", r.err)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeJudgeConfig writes a configuration with one route on the default
// pack, detector both, asking the judge at url with key; judge holds more
// of the judge's fields, one per line.
func writeJudgeConfig(t *testing.T, dir, url, key, judge string) string {
	t.Helper()
	cfg := filepath.Join(dir, "judge.yaml")
	writeFile(t, cfg, `security:
  allow_outbound: [127.0.0.1/32]
sources:
  - id: chat
    type: generic
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
sinks:
  - id: desk
    type: local
routes:
  - name: support
    sources: [chat]
    sink: desk
    trigger:
      rule_pack: default
      detector: both
      judge:
        url: `+url+`
        model: m
        api_key: `+key+`
        `+strings.ReplaceAll(judge, "\n", "\n        ")+"\n")
	return cfg
}
