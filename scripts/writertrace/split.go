package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

// Split is where one goroutine's time went during a trace.
type Split struct {
	Goroutine trace.GoID
	Span      time.Duration // from the goroutine's first transition to the trace's end
	States    map[string]time.Duration
	// Runnable is the time spent waiting for a processor, by what made
	// the goroutine give up its processor before: a yield or preemption,
	// or returning from a syscall or a wait.
	Runnable []Cause
	// Syscalls is the time spent in system calls, by call site.
	Syscalls []Cause
}

// Cause is time attributed to a call site.
type Cause struct {
	Where string
	N     int
	Total time.Duration
}

// errNoGoroutine says no goroutine ran the function asked for.
var errNoGoroutine = errors.New("no goroutine ran that function")

// analyze reads a trace and splits the time of the first goroutine whose
// own stack, at any of its state changes, holds a function containing fn.
// Two passes would need the trace twice; one pass keeps the transitions of
// every goroutine (their stacks are handles, named only for the match).
func analyze(r io.Reader, fn string, depth int) (Split, error) {
	tr, err := trace.NewReader(r)
	if err != nil {
		return Split{}, fmt.Errorf("read trace: %w", err)
	}
	type change struct {
		at       trace.Time
		from, to trace.GoState
		stack    trace.Stack
	}
	changes := map[trace.GoID][]change{}
	var match trace.GoID = trace.NoGoroutine
	var end trace.Time
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Split{}, fmt.Errorf("read trace: %w", err)
		}
		end = ev.Time()
		if ev.Kind() != trace.EventStateTransition {
			continue
		}
		st := ev.StateTransition()
		if st.Resource.Kind != trace.ResourceGoroutine {
			continue
		}
		id := st.Resource.Goroutine()
		from, to := st.Goroutine()
		if match == trace.NoGoroutine && holds(st.Stack, fn) {
			match = id
		}
		changes[id] = append(changes[id], change{at: ev.Time(), from: from, to: to, stack: st.Stack})
	}
	if match == trace.NoGoroutine {
		return Split{}, fmt.Errorf("%s: %w", fn, errNoGoroutine)
	}
	list := changes[match]
	s := Split{Goroutine: match, Span: end.Sub(list[0].at), States: map[string]time.Duration{}}
	runnable, syscalls := map[string]*Cause{}, map[string]*Cause{}
	add := func(m map[string]*Cause, where string, d time.Duration) {
		c := m[where]
		if c == nil {
			c = &Cause{Where: where}
			m[where] = c
		}
		c.N++
		c.Total += d
	}
	reason := ""
	for i, c := range list {
		next := end
		if i+1 < len(list) {
			next = list[i+1].at
		}
		d := next.Sub(c.at)
		s.States[c.to.String()] += d
		switch c.to {
		case trace.GoRunnable:
			if c.from == trace.GoRunning {
				reason = "yield or preemption: " + describe(c.stack, depth)
			}
			add(runnable, reason, d)
		case trace.GoSyscall:
			where := describe(c.stack, depth)
			reason = "after syscall: " + where
			add(syscalls, where, d)
		case trace.GoWaiting:
			reason = "after wait: " + describe(c.stack, depth)
		}
	}
	s.Runnable, s.Syscalls = sorted(runnable), sorted(syscalls)
	return s, nil
}

// holds tells whether any frame of a stack runs a function whose name
// contains fn.
func holds(st trace.Stack, fn string) bool {
	for f := range st.Frames() {
		if strings.Contains(f.Func, fn) {
			return true
		}
	}
	return false
}

// describe names a stack by its innermost depth frames, without their
// package paths.
func describe(st trace.Stack, depth int) string {
	var names []string
	for f := range st.Frames() {
		if len(names) == depth {
			break
		}
		name := f.Func
		if i := strings.LastIndex(name, "/"); i >= 0 {
			name = name[i+1:]
		}
		names = append(names, name)
	}
	return strings.Join(names, " < ")
}

func sorted(m map[string]*Cause) []Cause {
	out := make([]Cause, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Cause) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Where, b.Where))
	})
	return out
}
