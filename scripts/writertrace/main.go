// Command writertrace tells where the group-commit writer's time went in
// an execution trace of `ticketbridge serve --trace FILE`: running,
// waiting for a processor, in system calls (the WAL's writes and fsyncs),
// or waiting for work. The writer is the ingest path's one serial step, so
// its split says what a commit cycle is made of (BENCHMARKS.md,
// "Processing core, session 18").
//
//	cd scripts/writertrace && go run . [-func NAME] [-top N] TRACE
//
// It is a module of its own so that its trace parser (golang.org/x/exp)
// stays out of the service's dependencies.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"
)

func main() {
	fn := flag.String("func", "ingress.(*Writer).run", "the goroutine to split: one whose stack holds this function")
	top := flag.Int("top", 8, "call sites to list per kind")
	depth := flag.Int("depth", 3, "frames that name a call site")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: writertrace [-func NAME] [-top N] TRACE")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	s, err := analyze(f, *fn, *depth)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	report(os.Stdout, s, *top)
}

func report(w io.Writer, s Split, top int) {
	fmt.Fprintf(w, "goroutine %d, %v traced\n", s.Goroutine, s.Span.Round(time.Millisecond))
	states := make([]string, 0, len(s.States))
	for k := range s.States {
		states = append(states, k)
	}
	slices.SortFunc(states, func(a, b string) int { return int(s.States[b] - s.States[a]) })
	for _, k := range states {
		fmt.Fprintf(w, "  %-10s %10v %5.1f %%\n", k, s.States[k].Round(time.Microsecond), pct(s.States[k], s.Span))
	}
	list := func(title string, cs []Cause) {
		fmt.Fprintln(w, title)
		for _, c := range cs[:min(top, len(cs))] {
			fmt.Fprintf(w, "  %10v %5.1f %% n=%-7d avg %-9v %s\n", c.Total.Round(time.Microsecond), pct(c.Total, s.Span),
				c.N, (c.Total / time.Duration(c.N)).Round(time.Microsecond), c.Where)
		}
	}
	list("waiting for a processor, after:", s.Runnable)
	list("in system calls, at:", s.Syscalls)
}

func pct(d, of time.Duration) float64 {
	if of <= 0 {
		return 0
	}
	return 100 * float64(d) / float64(of)
}
