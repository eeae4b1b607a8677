package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRunRefusesBadFlags(t *testing.T) {
	if err := run("127.0.0.1:0", "", ""); err == nil || !strings.Contains(err.Error(), "exactly one") {
		t.Errorf("neither file: %v, want a usage error", err)
	}
	if err := run("127.0.0.1:0", "q.jsonl", "a.jsonl"); err == nil || !strings.Contains(err.Error(), "exactly one") {
		t.Errorf("both files: %v, want a usage error", err)
	}
	if err := run("127.0.0.1:0", "", filepath.Join(t.TempDir(), "none.jsonl")); err == nil || !strings.Contains(err.Error(), "open the answers") {
		t.Errorf("missing answers: %v", err)
	}
}
