package config

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files of bad configs")

// envOf turns a map into a lookup, so tests need not touch the process
// environment and can run in parallel.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func parseFile(t *testing.T, path string, env map[string]string) (*Config, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(path, data, envOf(env))
}

var fullEnv = map[string]string{
	"ADMIN_TOKEN":          "root-token-0123456789",
	"SLACK_SIGNING_SECRET": `s3cr3t: with "quotes" # and a hash`,
	"JIRA_API_TOKEN":       "jira-token",
}

func TestParseFull(t *testing.T) {
	t.Parallel()
	c, err := parseFile(t, "testdata/full.yaml", fullEnv)
	if err != nil {
		t.Fatalf("full.yaml: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", c.Server.Listen, "0.0.0.0:8080"},
		{"max body", c.Server.MaxBodyBytes, int64(2097152)},
		{"dsn default from ${VAR:-...}", c.Storage.DSN, "postgres://postgres@127.0.0.1:5432/test"},
		{"file secret, newline trimmed", c.Admin.Tokens[0].Token, "ops-token-0123456789abcdef"},
		{"env secret", c.Admin.Tokens[1].Token, "root-token-0123456789"},
		{"scopes", strings.Join(c.Admin.Tokens[0].Scopes, ","), "read,operate"},
		{"job timeout", c.Jobs.JobTimeout, 45 * time.Second},
		{"rescue after", c.Jobs.RescueAfter, 3 * time.Minute},
		{"source ids", c.Sources[0].ID + "," + c.Sources[1].ID, "slack-support,web-chat"},
		{"sink type", c.Sinks[1].Type, "jira"},
		{"source field", c.Sources[1].Field(), "sources[1]"},
		{"handover phrases", strings.Join(c.Routes[1].Handover.Phrases, ","), "转人工,人工客服,talk to a person"},
		{"csat quiet period", c.Routes[1].CSAT.Quiet(), 168 * time.Hour},
		{"sla target", c.Routes[1].SLA.FirstResponse["urgent"], 30 * time.Minute},
		{"sla escalation", c.Routes[1].SLA.Escalate.Channel.Conversation, "team-leads"},
		{"sla escalation queue", c.Routes[1].SLA.Escalate.Queue, "360002"},
		{"sla pause", c.Routes[1].SLA.Pauses("Pending", "in_progress") && c.Routes[1].SLA.Pauses("Awaiting reply", "waiting_on_customer") &&
			!c.Routes[1].SLA.Pauses("open", "open"), true},
		{"rollout", *c.Routes[0].Rollout, 50},
		{"confirm timeout", c.Routes[0].Trigger.ConfirmTimeout, 15 * time.Minute},
		{"negation", c.Routes[0].Trigger.Negations[0], "no need to refund"},
		{"block scalar", c.Routes[0].Mapping.Description,
			"Reported by {{ .Event.Sender.Name }} in {{ .Event.Source }}.\n{{ .Context }}\n"},
		{"priority rule", c.Routes[0].Mapping.Priority.Rules[1].Category, "billing"},
		{"status map", c.Routes[0].StatusMap["Waiting for customer"], "waiting_on_customer"},
		{"custom", c.Routes[0].Mapping.Custom["customfield_10010"], "{{ .Event.Conversation.Conversation }}"},
		// The second route leaves everything to the defaults.
		{"default rollout", *c.Routes[1].Rollout, 100},
		{"default confirm timeout", c.Routes[1].Trigger.ConfirmTimeout, 10 * time.Minute},
		{"default roles", strings.Join(c.Routes[1].Trigger.Roles, ","), "customer"},
		{"default command", c.Routes[1].Trigger.Command, "ticket"},
		{"default context", c.Routes[1].Mapping.ContextMessages, 10},
		{"default priority", c.Routes[1].Mapping.Priority.Default, "normal"},
		{"templates stay empty", c.Routes[1].Notify.Created, ""},
		{"mode", c.Routes[1].Mode, "dry_run"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}

	var slack struct {
		ID            string `yaml:"id"`
		SigningSecret string `yaml:"signing_secret"`
		BotToken      string `yaml:"bot_token"`
	}
	if err := c.Sources[0].Decode(&slack); err != nil {
		t.Fatalf("decode slack source: %v", err)
	}
	if slack.ID != "slack-support" || slack.SigningSecret != fullEnv["SLACK_SIGNING_SECRET"] ||
		slack.BotToken != "xoxb-bot: #token" {
		t.Errorf("slack source = %+v", slack)
	}
}

// TestLoad goes through the real file and environment path once.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tb.yaml")
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("from-a-file-0123456789\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := "log:\n  level: ${TB_TEST_LEVEL}\nadmin:\n  tokens:\n    - {name: a, token: '${file:token}', scopes: [read]}\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TB_TEST_LEVEL", "debug")
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Log.Level != "debug" || c.Admin.Tokens[0].Token != "from-a-file-0123456789" {
		t.Errorf("level %q token %q", c.Log.Level, c.Admin.Tokens[0].Token)
	}
	if c.File != path || c.Storage.DSN != DefaultSQLiteDSN {
		t.Errorf("file %q dsn %q", c.File, c.Storage.DSN)
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load("testdata/no-such-file.yaml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
	var ps Problems
	if errors.As(err, &ps) {
		t.Errorf("a missing file is not a config problem: %v", err)
	}
}

func TestParseEmpty(t *testing.T) {
	t.Parallel()
	c, err := Parse("empty.yaml", []byte("# nothing here\n"), envOf(nil))
	if err != nil {
		t.Fatalf("empty config: %v", err)
	}
	if c.Server.Listen != DefaultListen || c.Jobs.Workers != 20 {
		t.Errorf("defaults not applied: %+v", c)
	}
}

// TestBadConfigs checks every problem of each file under testdata/bad
// against its golden file, exactly as `config check` would print them.
// Run with -update to rewrite the golden files after a deliberate change.
func TestBadConfigs(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad configs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			_, err := parseFile(t, f, map[string]string{"LISTEN": ""})
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v (%T), want Problems", err, err)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("problems differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
			for i := 1; i < len(ps); i++ {
				if ps[i].Line < ps[i-1].Line {
					t.Errorf("problems not sorted by line: %v before %v", ps[i-1], ps[i])
				}
			}
		})
	}
}
