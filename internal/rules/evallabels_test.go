package rules

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/config"
)

// TestEvalLabels compares the report of a small labelled file, per
// detector, with testdata/labels_<detector>.golden.
func TestEvalLabels(t *testing.T) {
	for _, det := range []string{DetectorKeywords, DetectorBoth} {
		e := mustCompile(t, route("r", func(r *config.Route) {
			r.Trigger.RulePack = "default"
			r.Trigger.Detector = det
		}))
		f, err := os.Open("testdata/labels.jsonl")
		if err != nil {
			t.Fatal(err)
		}
		rep, err := EvalLabels(e, f, t0)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := rep.Write(&b); err != nil {
			t.Fatal(err)
		}
		golden := "testdata/labels_" + det + ".golden"
		if *update {
			if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s report:\n%s\nwant:\n%s", det, b.String(), want)
		}
	}
}

func TestEvalLabelsBadInput(t *testing.T) {
	e := mustCompile(t, route("r", nil))
	for name, in := range map[string]string{
		"not json":  "{\n",
		"bad label": `{"text":"x","lang":"en","label":"maybe"}`,
	} {
		if _, err := EvalLabels(e, strings.NewReader(in), t0); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%s: err = %v, want one naming line 1", name, err)
		}
	}
}
