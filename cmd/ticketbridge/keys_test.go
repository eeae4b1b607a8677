package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
)

// privacyConfigs writes two configurations on one SQLite file: without
// keys, and with key k1 and a 30-day retention.
func privacyConfigs(t *testing.T) (plain, keyed string) {
	t.Helper()
	dir := inTempDir(t)
	base := "storage:\n  driver: sqlite\n  dsn: " + filepath.Join(dir, "data", "tb.db") + "\nblob:\n  dir: " + filepath.Join(dir, "blobs") + "\n"
	plain = filepath.Join(dir, "plain.yaml")
	keyed = filepath.Join(dir, "keyed.yaml")
	sec := base + `security:
  encryption:
    active: k1
    keys:
      - id: k1
        secret: AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=
  retention:
    days: 30
`
	for p, body := range map[string]string{plain: base, keyed: sec} {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return plain, keyed
}

func TestKeysPurgeAudit(t *testing.T) {
	plainCfg, keyedCfg := privacyConfigs(t)
	cfg, err := config.Load(plainCfg)
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	st, err := app.OpenStore(t.Context(), cfg.Storage, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	c := core.ConversationRef{Source: "slack", Conversation: "C1"}
	_, err = st.IngestBatch(t.Context(), []core.Event{
		{Source: "slack", EventID: "old", Kind: core.KindMessage, Conversation: c, Time: time.Now().Add(-40 * 24 * time.Hour), Text: "old text"},
		{Source: "slack", EventID: "new", Kind: core.KindMessage, Conversation: c, Time: time.Now(), Text: "new text",
			Raw: []byte(`{"text":"new text"}`)},
	}, nil)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		args    []string
		want    []string
		wantErr string
	}{
		// Counted in bodies by both: the new event has a text and a raw one.
		{[]string{"keys", "status", "-c", keyedCfg}, []string{"(plaintext)  3"}, ""},
		{[]string{"keys", "status", "-c", keyedCfg, "--json"}, []string{`{"key":"","active":false,"bodies":3}`}, ""},
		{[]string{"keys", "rotate", "-c", keyedCfg, "--batch", "1"}, []string{"re-encrypted 3 bodies (in 2 rows)", "k1 (active)  3"}, ""},
		{[]string{"keys", "rotate", "-c", keyedCfg}, []string{"re-encrypted 0 bodies (in 0 rows)"}, ""},
		{[]string{"keys", "status", "-c", plainCfg}, nil, `key "k1"`},
		{[]string{"purge", "--dry-run", "-c", keyedCfg}, []string{"slack   30    1", "would purge the bodies of 1 event(s)"}, ""},
		{[]string{"purge", "-c", keyedCfg}, []string{"purged the bodies of 1 event(s)"}, ""},
		{[]string{"purge", "-c", keyedCfg}, []string{"purged the bodies of 0 event(s)"}, ""},
		{[]string{"keys", "status", "-c", keyedCfg}, []string{"k1 (active)  2"}, ""},
		{[]string{"audit", "-c", keyedCfg}, []string{"retention.purge", "keys.rotate", "cli:"}, ""},
		{[]string{"audit", "-c", keyedCfg, "--action", "keys.rotate", "--json"}, []string{`"action":"keys.rotate"`, `"rows":2`}, ""},
		{[]string{"audit", "-c", keyedCfg, "--since", "nonsense"}, nil, "since"},
	}
	for _, s := range steps {
		res := run(t, "", s.args...)
		name := strings.Join(s.args, " ")
		if s.wantErr != "" {
			if res.err == nil || !strings.Contains(res.err.Error(), s.wantErr) {
				t.Fatalf("%s: error = %v, want one containing %q", name, res.err, s.wantErr)
			}
			continue
		}
		if res.err != nil {
			t.Fatalf("%s: %v\n%s", name, res.err, res.stderr)
		}
		for _, w := range s.want {
			if !strings.Contains(res.stdout, w) {
				t.Fatalf("%s: output lacks %q:\n%s", name, w, res.stdout)
			}
		}
	}
	// Each rotate run is in the log, the one that found nothing too.
	if res := run(t, "", "audit", "-c", keyedCfg, "--action", "keys.rotate"); strings.Count(res.stdout, "keys.rotate") != 2 {
		t.Fatalf("audit of rotations:\n%s", res.stdout)
	}
}
