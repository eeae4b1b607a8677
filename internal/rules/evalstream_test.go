package rules

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
)

func TestEvalStreamGolden(t *testing.T) {
	t.Parallel()
	e := mustCompile(t,
		route("support", func(r *config.Route) {
			r.Trigger.RulePack = "default"
			r.Trigger.Confirm = true
			r.Trigger.ConfirmTimeout = 5 * time.Minute
		}),
		route("devices", func(r *config.Route) {
			r.Sources = []string{"slack"}
			r.Trigger.Keywords = []string{"printer"}
			r.Mode = ModeDryRun
		}),
	)
	in, err := os.Open("testdata/eval_input.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	// The clock moves a minute per line; line 10's "yes" comes within
	// the five-minute window of line 9's proposal.
	now := t0
	clock := func() time.Time { now = now.Add(time.Minute); return now }
	var out bytes.Buffer
	if err := EvalStream(e, in, &out, clock); err != nil {
		t.Fatal(err)
	}
	golden(t, "eval_output.jsonl", out.String())
}

func TestEvalStreamExpiry(t *testing.T) {
	t.Parallel()
	e := mustCompile(t, route("r", func(r *config.Route) { r.Trigger.RulePack = "default"; r.Trigger.Confirm = true }))
	input := `{"text":"扣了我两次钱","conversation":"c","sender":"a"}
{"text":"是的","conversation":"c","sender":"a"}
{"text":"扣了我两次钱","conversation":"c","sender":"a"}
`
	now := t0
	step := []time.Duration{0, 11 * time.Minute, time.Minute}
	i := 0
	clock := func() time.Time { now = now.Add(step[i]); i++; return now }
	var out bytes.Buffer
	if err := EvalStream(e, strings.NewReader(input), &out, clock); err != nil {
		t.Fatal(err)
	}
	want := `{"decision":"propose","route":"r","rule":"pack:billing","category":"billing","reason":"matched 扣了两次"}
{"decision":"none","route":"r","rule":"pack:billing","category":"billing","reason":"proposal expired","proposal":"expired"}
{"decision":"propose","route":"r","rule":"pack:billing","category":"billing","reason":"matched 扣了两次"}
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEvalStreamWriteError(t *testing.T) {
	t.Parallel()
	e := mustCompile(t, route("r", nil))
	err := EvalStream(e, strings.NewReader(`{"text":"x","conversation":"c","sender":"a"}`), failWriter{}, time.Now)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("got %v", err)
	}
}
