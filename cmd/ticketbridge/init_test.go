package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/starter"
)

// TestInitEveryPair: for every chat × ticket system, init writes a file
// that config check refuses while its variables are unset (naming each)
// and accepts once they are set.
func TestInitEveryPair(t *testing.T) {
	dir := inTempDir(t)
	examples := starter.Examples()
	srcs, sinks := starter.Names()
	for _, src := range srcs {
		for _, snk := range sinks {
			t.Run(src+"_"+snk, func(t *testing.T) {
				path := filepath.Join(dir, src+"-"+snk+".yaml")
				r := run(t, "", "init", src, snk, "--output", path)
				if r.err != nil {
					t.Fatalf("init: %v", r.err)
				}
				text, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, line := range strings.Split(r.stdout, "\n") {
					if name, ok := strings.CutPrefix(strings.TrimSpace(line), "export "); ok {
						name, _, _ = strings.Cut(name, "=")
						names = append(names, name)
					}
				}
				if len(names) == 0 {
					t.Fatalf("init names no variables:\n%s", r.stdout)
				}
				for _, n := range names {
					os.Unsetenv(n)
				}
				r = run(t, "", "config", "check", path)
				if r.err == nil || !strings.Contains(r.stdout, "environment variable "+names[0]+" is not set") {
					t.Errorf("check without variables: err %v, stdout lacks %s:\n%s", r.err, names[0], r.stdout)
				}
				// One problem per unset variable: no second complaint about
				// the shape of what stood in for it.
				if got := strings.Count(strings.TrimSpace(r.stdout), "\n") + 1; got != len(names) {
					t.Errorf("check without variables: %d problems for %d variables:\n%s", got, len(names), r.stdout)
				}
				// The example addresses are on loopback (nothing is reached),
				// which the outbound guard refuses unless allowed.
				f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				_, err = f.WriteString("security:\n  allow_outbound: [127.0.0.1/32]\n")
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range names {
					v, ok := examples[n]
					if !ok {
						t.Fatalf("no example value for %s", n)
					}
					t.Setenv(n, v)
				}
				r = run(t, "", "config", "check", path)
				if r.err != nil || strings.Contains(r.stderr, "warning: "+path) {
					t.Fatalf("check with variables set: %v\n%s%s\n--- %s\n%s", r.err, r.stdout, r.stderr, path, text)
				}
			})
		}
	}
}

func TestInitRefuses(t *testing.T) {
	inTempDir(t)
	if r := run(t, "", "init", "slack", "jira"); r.err != nil {
		t.Fatal(r.err)
	}
	tests := map[string]struct {
		args []string
		want string
	}{
		"existing file":    {[]string{"init", "slack"}, "ticketbridge.yaml already exists: choose another name with --output, or replace it with --force"},
		"unknown platform": {[]string{"init", "irc", "-o", "-"}, `unknown platform "irc" (chats: agora, dingtalk, feishu, generic, mattermost, slack, wecom; ticket systems:`},
		"no platform":      {[]string{"init"}, "requires at least 1 arg"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := run(t, "", tc.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", r.err, tc.want)
			}
		})
	}
}
