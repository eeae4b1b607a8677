package rules

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/config"
)

// benchTexts mix problems and chatter in both languages, at chat length.
var benchTexts = []string{
	"I was charged twice for the same order",
	"hello, when do you open tomorrow?",
	"页面一直打不开，已经试了很多次了",
	"thanks, the refund arrived",
	"my parcel arrived broken and I want a refund, order 4417",
	"好的，谢谢",
	"The live stream freezes for viewers after about ten minutes",
	"直播十分钟左右观众那边就卡住不动了",
}

func benchDetector(b *testing.B, detector string) {
	e := mustCompile(b, route("r", func(r *config.Route) {
		r.Trigger.RulePack = "default"
		r.Trigger.Detector = detector
	}))
	st := State{Now: t0}
	b.ReportAllocs()
	// The machine may be shared: besides wall time, report the CPU time
	// of this thread, which other processes do not inflate.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU(b)
	n := 0
	for i := 0; b.Loop(); i++ {
		e.Evaluate(msg(benchTexts[i%len(benchTexts)]), st)
		n++
	}
	b.ReportMetric(float64((threadCPU(b)-start).Nanoseconds())/float64(n), "cpu-ns/op")
}

func threadCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecide is the decision cost per message of one route, per
// detector (issue #15's target: 20 µs).
func BenchmarkDecide(b *testing.B) {
	for _, d := range []string{DetectorKeywords, DetectorModel, DetectorBoth} {
		b.Run(d, func(b *testing.B) { benchDetector(b, d) })
	}
}
