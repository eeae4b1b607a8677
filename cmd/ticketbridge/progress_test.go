package main

import (
	"bytes"
	"os"
	"testing"
)

// TestNoBarOffTerminal: a bar on a buffer or a pipe draws nothing.
func TestNoBarOffTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var buf bytes.Buffer
	for name, out := range map[string]interface{ Write([]byte) (int, error) }{"buffer": &buf, "pipe": w} {
		if isTerminal(out) {
			t.Errorf("%s counts as a terminal", name)
		}
	}
	b := newBar(&buf, 10, "working")
	b.add(5)
	b.finish()
	if buf.Len() != 0 {
		t.Errorf("a bar off a terminal wrote %q", buf.String())
	}
}
