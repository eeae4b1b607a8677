package sqlite

import (
	"strconv"
	"testing"
)

func TestBoxesReuse(t *testing.T) {
	var b boxes
	kinds := []string{"chat", "message", "slack", "call_ended", "reaction"}
	for round := range 3 {
		for _, k := range kinds {
			if v := b.of(k); v != k {
				t.Fatalf("round %d: of(%q) = %v", round, k, v)
			}
		}
	}
	// A value given again while it is among the last four costs nothing.
	chat := strconv.Itoa(42) // not a constant, so boxing it would allocate
	b.of(chat)
	if n := testing.AllocsPerRun(100, func() { _ = b.of(chat) }); n != 0 {
		t.Fatalf("of a kept value allocates %.0f times", n)
	}
}
