package storetest

import (
	"bytes"
	"maps"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/crypt"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// TestRing is a key ring for tests: keys "k1" and "k2" (fixed bytes),
// active first.
func TestRing(t testing.TB, active string, ids ...string) *crypt.Ring {
	t.Helper()
	keys := map[string][]byte{}
	for _, id := range ids {
		keys[id] = bytes.Repeat([]byte(id[len(id)-1:]), crypt.KeySize)
	}
	r, err := crypt.NewRing(active, keys)
	if err != nil {
		t.Fatalf("test ring: %v", err)
	}
	return r
}

// RunKeys checks encryption at rest on one database opened again and
// again with different key rings: plaintext from before encryption stays
// readable and is counted, rotation moves everything to the active key,
// and a missing key fails reads and CheckKeys instead of giving
// ciphertext or plaintext back.
func RunKeys(t *testing.T, reopen func(c store.Cipher) store.Store) {
	ctx := t.Context()
	plain := reopen(nil)
	writeBodies(t, plain, "plain")
	if _, err := plain.BodiesRekey(ctx, 10); err == nil {
		t.Fatal("BodiesRekey without keys: no error")
	}
	wantCounts(t, plain, map[string]int{store.PlainKey: 6})

	k1 := reopen(TestRing(t, "k1", "k1"))
	must(t, "CheckKeys(k1) over plaintext", k1.CheckKeys(ctx))
	must(t, "read plaintext with a ring", readBodies(t, k1, "plain"))
	writeBodies(t, k1, "one")
	must(t, "read k1", readBodies(t, k1, "one"))
	wantCounts(t, k1, map[string]int{store.PlainKey: 6, "k1": 6})
	rotate(t, k1, 2)
	wantCounts(t, k1, map[string]int{"k1": 12})
	must(t, "read rotated plaintext", readBodies(t, k1, "plain"))

	// Without keys, sealed data is neither returned nor passed off as text.
	none := reopen(nil)
	if err := none.CheckKeys(ctx); err == nil {
		t.Fatal("CheckKeys without keys over sealed data: no error")
	}
	if _, err := none.ConversationEventsAfter(ctx, conv("slack", "C-one").Key(), 0, 10); err == nil {
		t.Fatal("reading a sealed event without keys: no error")
	}

	both := reopen(TestRing(t, "k2", "k1", "k2"))
	must(t, "CheckKeys(k1,k2)", both.CheckKeys(ctx))
	writeBodies(t, both, "two")
	wantCounts(t, both, map[string]int{"k1": 12, "k2": 6})
	rotate(t, both, 3)
	wantCounts(t, both, map[string]int{"k2": 18})
	for _, tag := range []string{"plain", "one", "two"} {
		must(t, "read after rotation to k2", readBodies(t, both, tag))
	}
	if n, err := both.BodiesRekey(ctx, 3); err != nil || n != 0 {
		t.Fatalf("BodiesRekey when done = %d, %v; want 0", n, err)
	}

	only1 := reopen(TestRing(t, "k1", "k1"))
	if err := only1.CheckKeys(ctx); err == nil {
		t.Fatal("CheckKeys with k2 missing: no error")
	}
	if _, err := only1.DeskFindByExternalID(ctx, "x-one"); err == nil {
		t.Fatal("reading a k2 description with only k1: no error")
	}
}

// rotate runs BodiesRekey until it reports nothing left.
func rotate(t *testing.T, s store.Store, batch int) {
	t.Helper()
	for range 100 {
		n, err := s.BodiesRekey(t.Context(), batch)
		must(t, "BodiesRekey", err)
		if n > batch {
			t.Fatalf("BodiesRekey(%d) did %d", batch, n)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("BodiesRekey never finished")
}

func wantCounts(t *testing.T, s store.Store, want map[string]int) {
	t.Helper()
	got, err := s.BodiesByKey(t.Context())
	must(t, "BodiesByKey", err)
	if !maps.Equal(got, want) {
		t.Fatalf("BodiesByKey = %v, want %v", got, want)
	}
}
