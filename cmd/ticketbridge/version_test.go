package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	r := run(t, "", "--version")
	if r.err != nil || !strings.HasPrefix(r.stdout, "ticketbridge version ") || !strings.Contains(r.stdout, runtime.Version()) {
		t.Errorf("--version = %q, %v", r.stdout, r.err)
	}
	r = run(t, "", "version")
	for _, want := range []string{"ticketbridge ", "commit:", "build date:", "go version:  " + runtime.Version()} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("version output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = run(t, "", "version", "--json")
	var in map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &in); err != nil || in["go_version"] != runtime.Version() || in["commit"] == "" {
		t.Errorf("version --json = %q (%v)", r.stdout, err)
	}
}
