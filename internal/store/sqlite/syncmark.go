package sqlite

import (
	"context"
	"sync"
)

// The store's own acknowledged transactions wake River's producers at
// commit, before the WAL sync, so that the job's fetch (a write of its
// own on the one connection) overlaps the wait for the disk instead of
// following it. A job must still not act before the commit that queued
// it is on disk: a ticket opened from a commit that a power cut then
// takes back would be opened again when the platform redelivers the
// event. So every job first waits for the sync mark (WaitDurable, called
// by the jobs package's middleware): the store numbers each acknowledged
// commit before it becomes visible and marks the number once a sync after
// it returned. A job fetched after a commit sees a number at least that
// commit's, and waits for it.

// syncMark numbers acknowledged commits and records which are on disk.
type syncMark struct {
	mu      sync.Mutex
	begun   int64         // the newest acknowledged commit numbered
	synced  int64         // every commit up to this one is on disk
	changed chan struct{} // closed and replaced when synced moves
}

// next numbers a commit about to be made; call it before the commit.
func (m *syncMark) next() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.begun++
	return m.begun
}

// done records that a sync which started after commit n returned: it
// carries n and every commit before it.
func (m *syncMark) done(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n <= m.synced {
		return
	}
	m.synced = n
	if m.changed != nil {
		close(m.changed)
		m.changed = nil
	}
}

// wait returns once every commit numbered so far is on disk.
func (m *syncMark) wait(ctx context.Context) error {
	m.mu.Lock()
	target := m.begun
	for m.synced < target {
		if m.changed == nil {
			m.changed = make(chan struct{})
		}
		ch := m.changed
		m.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		m.mu.Lock()
	}
	m.mu.Unlock()
	return nil
}

// WaitDurable returns once every acknowledged commit of the store's own
// transactions made so far is on disk. Jobs call it before their effects.
func (s *Store) WaitDurable(ctx context.Context) error {
	return s.mark.wait(ctx)
}
