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
