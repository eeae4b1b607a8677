package sqlite

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// A waiter is let through only once every commit numbered before it
// waited is marked; a later commit's mark carries the earlier ones.
func TestSyncMarkWaitsForEveryNumberedCommit(t *testing.T) {
	// cancelled makes wait report instead of blocking: an error means it
	// would have waited.
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name     string
		steps    func(m *syncMark)
		waits    bool
		thenDone int64 // marked after the first wait; 0: nothing
	}{
		{"nothing numbered", func(*syncMark) {}, false, 0},
		{"numbered, not synced", func(m *syncMark) { m.next() }, true, 1},
		{"numbered and synced", func(m *syncMark) { m.done(m.next()) }, false, 0},
		{"the second synced first", func(m *syncMark) { m.next(); m.done(m.next()) }, false, 0},
		{"only the first of two synced", func(m *syncMark) { a := m.next(); m.next(); m.done(a) }, true, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m syncMark
			tc.steps(&m)
			err := m.wait(cancelled)
			if waited := errors.Is(err, context.Canceled); waited != tc.waits {
				t.Fatalf("waited %v (%v), want %v", waited, err, tc.waits)
			}
			if tc.thenDone == 0 {
				return
			}
			released := make(chan error, 1)
			go func() { released <- m.wait(context.Background()) }()
			m.done(tc.thenDone)
			if err := <-released; err != nil {
				t.Fatalf("after done(%d): %v", tc.thenDone, err)
			}
		})
	}
}

// The store numbers its acknowledged commits and marks them once synced,
// so WaitDurable returns after them; internal commits are not numbered.
func TestWaitDurableAfterAcknowledgedCommits(t *testing.T) {
	ctx := context.Background()
	s := openMigrated(t)
	for i, c := range []struct {
		ctx      context.Context
		numbered bool
	}{{ctx, true}, {store.Internal(ctx), false}, {ctx, true}} {
		before := s.mark.begun
		if _, err := s.IngestBatch(c.ctx, chatEvent(fmt.Sprint("e", i)), nil); err != nil {
			t.Fatal(err)
		}
		if numbered := s.mark.begun > before; numbered != c.numbered {
			t.Errorf("numbered %v, want %v", numbered, c.numbered)
		}
		if s.mark.synced != s.mark.begun {
			t.Errorf("after the commit returned: synced %d of %d", s.mark.synced, s.mark.begun)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.WaitDurable(cancelled); err != nil {
		t.Errorf("WaitDurable after synced commits: %v", err)
	}
}
