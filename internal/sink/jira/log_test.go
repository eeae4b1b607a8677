package jira_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/jira"
	"github.com/ticketbridge/ticketbridge/internal/sink/jira/jirafake"
)

// TestWarningsNameTheSinkOnce: the app hands each sink a logger that
// already carries sink=<id>; the sink's own lines must not add it again.
func TestWarningsNameTheSinkOnce(t *testing.T) {
	t.Parallel()
	site := jirafake.New(t, jirafake.Options{})
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil)).With("sink", "jira1") // as internal/app builds it
	sk, err := jira.New("jira1", settings(site), sink.Deps{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	d := draft()
	d.Custom = map[string]any{"no_such_mapping": "x"}
	if _, err := sk.Create(t.Context(), d); err != nil {
		t.Fatalf("Create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) == 0 || !strings.Contains(buf.String(), "custom key has no field id") {
		t.Fatalf("no warning about the unmapped key:\n%s", buf.String())
	}
	for _, l := range lines {
		if n := strings.Count(l, `"sink":`); n != 1 {
			t.Errorf("line has sink %d times: %s", n, l)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Errorf("not JSON: %s", l)
		}
	}
}
