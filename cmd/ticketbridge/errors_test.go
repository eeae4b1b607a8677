package main

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFirstHourErrors: each error a new user meets names the address,
// file or field, the cause and what to do next.
func TestFirstHourErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	// A port nobody listens on: bind one, note it, let it go.
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := free.Addr().String()
	free.Close()

	tests := map[string]struct {
		args []string
		want []string
		// noData: the command must not have created ./data/ticketbridge.db.
		noData bool
	}{
		"address in use": {
			args:   []string{"serve", "--listen", busy.Addr().String()},
			want:   []string{"listen on " + busy.Addr().String(), "already in use", "--listen 127.0.0.1:0"},
			noData: true,
		},
		"public address with development secrets": {
			args:   []string{"serve", "--listen", "0.0.0.0:0"},
			want:   []string{"refusing to listen on 0.0.0.0:0", "development secret", "--allow-dev-secrets", "ticketbridge init"},
			noData: true,
		},
		"send without a server": {
			args: []string{"send", "--url", "http://" + dead, "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--text", "hi"},
			want: []string{"http://" + dead + "/hooks/im/chat", "no server is listening there", "ticketbridge serve", "--url"},
		},
		"send without a secret": {
			args: []string{"send", "--text", "hi"},
			want: []string{"no --secret given", "run `ticketbridge serve` once", "--secret"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			inTempDir(t)
			r := run(t, "", tc.args...)
			if r.err == nil {
				t.Fatalf("%v succeeded, want an error", tc.args)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.err.Error(), w) {
					t.Errorf("error %q lacks %q", r.err, w)
				}
			}
			if _, err := os.Stat(filepath.Join("data", "ticketbridge.db")); tc.noData && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the database was opened before the failure: %v", err)
			}
		})
	}
}

// TestConfigCheckSaysWhat: an empty or route-less file is warned about,
// and an unset ${VAR} is one problem, not also a complaint about the
// placeholder's shape.
func TestConfigCheckSaysWhat(t *testing.T) {
	tests := map[string]struct {
		yaml       string
		wantErr    bool
		wantStdout []string
		wantStderr []string
		once       string // appears on exactly one line of stdout
	}{
		"empty": {
			yaml:       "",
			wantStderr: []string{"warning: ", "defines no sources, sinks or routes", "ticketbridge init"},
		},
		"no routes": {
			yaml:       "sources:\n  - id: web\n    type: generic\n    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\nsinks:\n  - id: desk\n    type: local\n",
			wantStderr: []string{"no routes: chat events are stored but never become tickets"},
		},
		"unset variable": {
			yaml: "sources:\n  - id: wc\n    type: wecom\n    token: t\n    corp_id: c\n    aes_key: ${TB_TEST_UNSET_AES_KEY}\n" +
				"sinks:\n  - id: desk\n    type: local\nroutes:\n  - name: r\n    sources: [wc]\n    sink: desk\n",
			wantErr:    true,
			wantStdout: []string{"cfg.yaml:6: sources[0].aes_key: environment variable TB_TEST_UNSET_AES_KEY is not set"},
			once:       "aes_key",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := inTempDir(t)
			path := filepath.Join(dir, "cfg.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			r := run(t, "", "config", "check", path)
			if (r.err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error: %v\n%s%s", r.err, tc.wantErr, r.stdout, r.stderr)
			}
			for _, w := range tc.wantStdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if tc.once != "" && strings.Count(r.stdout, tc.once) != 1 {
				t.Errorf("%q is reported %d times, want once:\n%s", tc.once, strings.Count(r.stdout, tc.once), r.stdout)
			}
		})
	}
}

// TestDeskMessages: a missing ticket is named once, with what to do; the
// list pages and speaks JSON.
func TestDeskMessages(t *testing.T) {
	inTempDir(t)
	for _, args := range [][]string{{"desk", "comment", "LOCAL-99", "hi"}, {"desk", "status", "LOCAL-99", "solved"}, {"desk", "show", "LOCAL-99"}} {
		r := run(t, "", args...)
		want := "desk ticket LOCAL-99: not found (ticketbridge desk list shows the keys)"
		if r.err == nil || r.err.Error() != want {
			t.Errorf("%v: err %v, want %q", args, r.err, want)
		}
	}
	r := run(t, "", "desk", "list", "--json")
	if r.err != nil || r.stdout != "" {
		t.Errorf("desk list --json on an empty desk: %q, %v", r.stdout, r.err)
	}
	if r := run(t, "", "desk", "list", "--limit", "0"); r.err == nil || !strings.Contains(r.err.Error(), "--limit must be between 1 and") {
		t.Errorf("desk list --limit 0: %v", r.err)
	}
}
