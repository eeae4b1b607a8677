package sla

import (
	"sort"
	"time"
)

// Status is one status change of a ticket as the resolution clock sees
// it: at At the ticket went into a status that pauses the clock (waiting
// on the customer), a resolved or closed one, or one that lets it run.
//
// A resolution stops the clock like a pause: a change to a running
// status after it reopens the ticket, and the clock runs on from the
// business time it had spent, the time the ticket stood resolved given
// back like a pause's.
type Status struct {
	At       time.Time
	Paused   bool
	Resolved bool
}

func (s Status) stopped() bool { return s.Paused || s.Resolved }

// Pause is one stretch the resolution clock stood still; a zero To means
// it still does.
type Pause struct {
	From, To time.Time
}

// Pauses turns status changes, in any order, into the stretches the clock
// stood still after start (waiting on the customer, or resolved): ordered
// by their own time, never by arrival, so a change reported late falls
// into its place. Repeats of the state the clock is in change nothing,
// and neither does a move between waiting and resolved.
func Pauses(start time.Time, changes []Status) []Pause {
	var (
		out    []Pause
		paused bool
	)
	for _, c := range sorted(changes) {
		at := c.At
		if at.Before(start) {
			at = start
		}
		switch {
		case c.stopped() && !paused:
			out = append(out, Pause{From: at})
		case !c.stopped() && paused:
			out[len(out)-1].To = at
		}
		paused = c.stopped()
	}
	return out
}

// Resolved reports whether the latest of the status changes, by their
// own time, is a resolution: the resolution clock is met. A change to
// any other status after it reopens the ticket.
func Resolved(changes []Status) bool {
	cs := sorted(changes)
	return len(cs) > 0 && cs[len(cs)-1].Resolved
}

// sorted is changes ordered by their time; changes at the same instant
// keep their order.
func sorted(changes []Status) []Status {
	cs := append([]Status(nil), changes...)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].At.Before(cs[j].At) })
	return cs
}

// Clock is a deadline as it stands: Running false while the ticket waits
// (no deadline), Due its instant otherwise.
type Clock struct {
	Due     time.Time
	Running bool
	// Paused is the business time the clock stood still in finished
	// pauses.
	Paused time.Duration
}

// Clock is when kind is due for a ticket of the priority that started at
// start and paused as pauses say; ok is false when the policy has no
// target for it. Only the resolution clock pauses: a first response is
// owed however long the customer takes, so its deadline ignores pauses.
// Paused time is business time (a weekend inside a pause gives nothing
// back), and the deadline is the instant at which the business time run,
// less the paused, reaches the target.
func (p Policy) Clock(kind Kind, priority string, start time.Time, pauses []Pause) (Clock, bool) {
	d, ok := p.Target(kind, priority)
	if !ok {
		return Clock{}, false
	}
	if kind != Resolution {
		return Clock{Due: p.Calendar.Add(start, d), Running: true}, true
	}
	var paused time.Duration
	for _, ps := range pauses {
		if ps.To.IsZero() {
			return Clock{Paused: paused}, true
		}
		paused += p.Calendar.Between(ps.From, ps.To)
	}
	return Clock{Due: p.Calendar.Add(start, d+paused), Running: true, Paused: paused}, true
}
