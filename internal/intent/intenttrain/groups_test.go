package main

import (
	"fmt"
	"testing"
)

// TestSomeGroups checks that a learning curve's subsets keep whole base
// messages, that a smaller share keeps a subset of a larger one with the
// same seed, and that the share kept is about the one asked for.
func TestSomeGroups(t *testing.T) {
	var rows []row
	for g := range 2000 {
		for v := range 3 {
			rows = append(rows, row{group: fmt.Sprintf("g%d", g), kind: fmt.Sprint(v)})
		}
	}
	kept := func(share float64, seed uint64) map[string]int {
		m := map[string]int{}
		for _, r := range someGroups(rows, share, seed) {
			m[r.group]++
		}
		return m
	}
	if n := len(someGroups(rows, 1, 7)); n != len(rows) {
		t.Fatalf("share 1 kept %d of %d rows", n, len(rows))
	}
	quarter, half := kept(0.25, 7), kept(0.5, 7)
	for g, n := range half {
		if n != 3 {
			t.Errorf("group %s kept %d of its 3 rows", g, n)
		}
	}
	for g := range quarter {
		if half[g] == 0 {
			t.Errorf("group %s kept at 0.25 but not at 0.5", g)
		}
	}
	for _, c := range []struct {
		got  int
		want float64
	}{{len(quarter), 500}, {len(half), 1000}} {
		if float64(c.got) < 0.85*c.want || float64(c.got) > 1.15*c.want {
			t.Errorf("kept %d groups, want about %.0f", c.got, c.want)
		}
	}
	if other := kept(0.5, 8); len(other) == len(half) && fmt.Sprint(other) == fmt.Sprint(half) {
		t.Error("another seed kept the same groups")
	}
}
