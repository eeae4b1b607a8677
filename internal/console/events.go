package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Defaults of the ticket page's event stream. Each open stream looks at
// the store once a checkEvery (a few indexed reads), so the number open at
// once is bounded; past it the page polls instead.
const (
	defaultCheckEvery = time.Second
	// streamFor ends a stream so that none outlives a session for long;
	// the browser reconnects by itself.
	streamFor  = 5 * time.Minute
	heartbeat  = 15 * time.Second
	maxStreams = 256
)

// streams counts the open event streams of one console.
type streams struct {
	open atomic.Int64
}

// deskEvents streams one event, "changed", once the ticket differs from
// the version the page was rendered at (?v=). The store is asked, not an
// in-process signal, so a change made through another replica is seen too.
func (c *Console) deskEvents(w http.ResponseWriter, r *http.Request, s *session) {
	key := r.PathValue("key")
	var seen version
	if _, err := fmt.Sscanf(r.URL.Query().Get("v"), "%d.%d.%d", &seen.lastEvent, &seen.comments, &seen.updated); err != nil {
		http.Error(w, "v must be the page's version", http.StatusBadRequest)
		return
	}
	limit := int64(maxStreams)
	if c.MaxStreams > 0 {
		limit = int64(c.MaxStreams)
	}
	if c.streams.open.Add(1) > limit {
		c.streams.open.Add(-1)
		w.Header().Set("Retry-After", "60")
		http.Error(w, "too many open streams; poll", http.StatusServiceUnavailable)
		return
	}
	defer c.streams.open.Add(-1)
	ctx := r.Context()
	conv, err := c.conversationOf(ctx, key)
	if err != nil {
		status := http.StatusServiceUnavailable
		if errors.Is(err, store.ErrNotFound) {
			status = http.StatusNotFound
		}
		http.Error(w, err.Error(), status)
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 3000\n\n"); err != nil || rc.Flush() != nil {
		return // the writer cannot stream: the page falls back to polling
	}
	every := c.CheckEvery
	if every <= 0 {
		every = defaultCheckEvery
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	end := time.NewTimer(streamFor)
	defer end.Stop()
	lastWrite := time.Now()
	for {
		changed, err := c.changedSince(ctx, key, conv, seen)
		if err != nil {
			if c.Log != nil {
				c.Log.Warn("ticket stream", "error", err.Error())
			}
			return // the browser reconnects and asks again
		}
		if changed {
			fmt.Fprint(w, "event: changed\ndata: "+key+"\n\n")
			_ = rc.Flush()
			return
		}
		if time.Since(lastWrite) >= heartbeat {
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
			lastWrite = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-end.C:
			return
		case <-tick.C:
		}
	}
}

// version is what the ticket page's version string is made of.
type version struct {
	lastEvent int64
	comments  int
	updated   int64
}

// conversationOf is the desk ticket's chat conversation ("" for none).
func (c *Console) conversationOf(ctx context.Context, key string) (string, error) {
	if _, err := c.Store.DeskListingGet(ctx, key); err != nil {
		return "", err
	}
	if c.Desk == nil {
		return "", nil
	}
	l, err := c.Store.LinkByTicket(ctx, c.Desk.ID(), key)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	return l.ConvKey, err
}

// changedSince reports whether the ticket moved past seen: a new event in
// its conversation, another comment, or a change of the ticket itself.
func (c *Console) changedSince(ctx context.Context, key, conv string, seen version) (bool, error) {
	t, err := c.Store.DeskListingGet(ctx, key)
	if err != nil {
		return false, err
	}
	if t.UpdatedAt.UnixNano() != seen.updated {
		return true, nil
	}
	cs, err := c.Store.DeskComments(ctx, key)
	if err != nil {
		return false, err
	}
	if len(cs) != seen.comments {
		return true, nil
	}
	if conv == "" {
		return false, nil
	}
	evs, err := c.Store.ConversationEvents(ctx, conv, seen.lastEvent, 0, 1)
	return len(evs) > 0, err
}
