package main

import (
	"bytes"
	"errors"
	"os"
	"runtime"
	"runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"
)

// committer stands in for the writer: it yields, makes system calls and
// sleeps, so each kind of time shows in its split whatever the timing.
func committer(t *testing.T, f *os.File, rounds int, done *sync.WaitGroup) {
	defer done.Done()
	for range rounds {
		runtime.Gosched()
		if _, err := f.Write([]byte("frame")); err != nil {
			t.Error(err)
			return
		}
		if err := f.Sync(); err != nil {
			t.Error(err)
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAnalyzeSplitsTheWritersTime(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "wal")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	var done sync.WaitGroup
	done.Add(1)
	go committer(t, f, 5, &done)
	done.Wait()
	trace.Stop()

	s, err := analyze(bytes.NewReader(buf.Bytes()), "writertrace.committer", 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, state := range []string{"Running", "Syscall", "Waiting"} {
		if s.States[state] <= 0 {
			t.Errorf("no %s time in %v", state, s.States)
		}
	}
	var sum int64
	for _, d := range s.States {
		sum += int64(d)
	}
	if sum != int64(s.Span) {
		t.Errorf("states add up to %d ns, span is %d", sum, s.Span)
	}
	if !hasCause(s.Syscalls, "Fsync") {
		t.Errorf("no fsync among the syscalls: %+v", s.Syscalls)
	}
	if !hasCause(s.Runnable, "yield or preemption: runtime.Gosched") {
		t.Errorf("the yields are not among the waits for a processor: %+v", s.Runnable)
	}
	var out bytes.Buffer
	report(&out, s, 3)
	if !strings.Contains(out.String(), "in system calls, at:") {
		t.Errorf("report:\n%s", out.String())
	}
}

func hasCause(cs []Cause, part string) bool {
	for _, c := range cs {
		if strings.Contains(c.Where, part) && c.N > 0 {
			return true
		}
	}
	return false
}

func TestAnalyzeWithoutTheGoroutine(t *testing.T) {
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	runtime.Gosched()
	trace.Stop()
	if _, err := analyze(bytes.NewReader(buf.Bytes()), "no.such.function", 3); !errors.Is(err, errNoGoroutine) {
		t.Fatalf("got %v, want errNoGoroutine", err)
	}
}
