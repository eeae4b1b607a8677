package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// problemLine is the contract of `config check`: file:line: field: message.
var problemLine = regexp.MustCompile(`^testdata/config/[a-z_]+\.yaml:[1-9][0-9]*: [a-z_]+(\[[0-9]+\])?(\.[a-z_]+(\[[0-9]+\])?)*: \S.*$`)

func TestConfigCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		ok   bool
	}{
		{name: "valid", file: "valid.yaml", ok: true},
		// Problems the loader finds: every one, in file order.
		{name: "several", file: "several.yaml"},
		// Problems only building the connectors finds.
		{name: "unknown connector type", file: "unknown_type.yaml"},
		{name: "route names an unknown sink", file: "unknown_sink.yaml"},
		{name: "template syntax error", file: "template.yaml"},
		{name: "loader and build problems together", file: "mixed.yaml"},
		// Problems serve refuses to start with.
		{name: "what serve checks", file: "serve_parity.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "config", tt.file)
			r := run(t, "", "config", "check", path)
			if tt.ok != (r.err == nil) {
				t.Fatalf("err = %v, want ok=%v\nstdout:\n%s", r.err, tt.ok, r.stdout)
			}
			if !tt.ok {
				n := strings.Count(r.stdout, "\n")
				if want := "problem(s) in the configuration"; !strings.Contains(r.err.Error(), want) || !strings.HasPrefix(r.err.Error(), strconv.Itoa(n)+" ") {
					t.Errorf("err = %q, want %d %s", r.err, n, want)
				}
				for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
					if !problemLine.MatchString(line) {
						t.Errorf("line %q is not file:line: field: message", line)
					}
				}
			}
			golden(t, strings.TrimSuffix(path, ".yaml")+".golden", r.stdout)
		})
	}
}

func TestConfigCheckMissingFile(t *testing.T) {
	t.Parallel()
	r := run(t, "", "config", "check", filepath.Join(t.TempDir(), "nope.yaml"))
	if r.err == nil || !strings.Contains(r.err.Error(), "read config") {
		t.Fatalf("err = %v, want a read error", r.err)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
}

func TestConfigCheckNeedsOneFile(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"config", "check"}, {"config", "check", "a.yaml", "b.yaml"}} {
		if r := run(t, "", args...); r.err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
