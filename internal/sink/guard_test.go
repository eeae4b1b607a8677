package sink_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// capableSink is flakySink with every capability that calls the system.
type capableSink struct{ flakySink }

func (c *capableSink) Attach(context.Context, core.TicketRef, core.File, io.Reader) error {
	c.calls++
	return c.err
}
func (c *capableSink) Transition(context.Context, core.TicketRef, string) error {
	c.calls++
	return c.err
}
func (c *capableSink) Status(context.Context, core.TicketRef) (string, error) {
	c.calls++
	return "Open", c.err
}
func (c *capableSink) PollInterval() time.Duration { return time.Minute }
func (c *capableSink) Poll(context.Context, string) ([]core.TicketEvent, string, error) {
	c.calls++
	return nil, "next", c.err
}
func (c *capableSink) ValidateMapping(context.Context, sink.MappingSpec) ([]string, error) {
	c.calls++
	return nil, c.err
}
func (c *capableSink) FindComment(context.Context, core.TicketRef, string) (string, bool, error) {
	c.calls++
	return "", false, c.err
}
func (c *capableSink) CreateLinked(context.Context, core.TicketDraft, func(core.TicketRef, bool) (store.TicketLinking, error)) (core.TicketRef, error) {
	c.calls++
	return core.TicketRef{}, c.err
}
func (c *capableSink) FindAttachment(context.Context, core.TicketRef, core.File) (bool, error) {
	c.calls++
	return false, c.err
}
func (c *capableSink) SetPriority(context.Context, core.TicketRef, string) error {
	c.calls++
	return c.err
}

func (c *capableSink) SetQueue(context.Context, core.TicketRef, string) error {
	c.calls++
	return c.err
}
func (c *capableSink) SatisfactionFields() (bool, bool) { return true, true }
func (c *capableSink) SetSatisfaction(context.Context, core.TicketRef, core.Satisfaction) error {
	c.calls++
	return c.err
}
func (c *capableSink) Satisfaction(context.Context, core.TicketRef) (core.Satisfaction, bool, error) {
	c.calls++
	return core.Satisfaction{}, false, c.err
}

// calls makes one call through each capability found with As.
func capabilityCalls(s sink.Sink) map[string]func() error {
	ctx, ref := context.Background(), core.TicketRef{Key: "T-1"}
	return map[string]func() error{
		sink.OpAttach: func() error {
			a, _ := sink.As[sink.Attacher](s)
			return a.Attach(ctx, ref, core.File{Name: "f"}, strings.NewReader("x"))
		},
		sink.OpTransition: func() error {
			t, _ := sink.As[sink.Transitioner](s)
			return t.Transition(ctx, ref, core.StateResolved)
		},
		sink.OpStatus: func() error {
			r, _ := sink.As[sink.StatusReader](s)
			_, err := r.Status(ctx, ref)
			return err
		},
		sink.OpPoll: func() error {
			p, _ := sink.As[sink.Poller](s)
			_, _, err := p.Poll(ctx, "")
			return err
		},
		sink.OpValidateMapping: func() error {
			v, _ := sink.As[sink.MappingValidator](s)
			_, err := v.ValidateMapping(ctx, sink.MappingSpec{})
			return err
		},
		sink.OpFindComment: func() error {
			f, _ := sink.As[sink.CommentFinder](s)
			_, _, err := f.FindComment(ctx, ref, "tb-append-")
			return err
		},
		sink.OpFindAttachment: func() error {
			f, _ := sink.As[sink.AttachmentFinder](s)
			_, err := f.FindAttachment(ctx, ref, core.File{Name: "f", Size: 1, Key: "tb-attach-"})
			return err
		},
		sink.OpCreate: func() error {
			c, _ := sink.As[sink.LinkedCreator](s)
			_, err := c.CreateLinked(ctx, core.TicketDraft{}, nil)
			return err
		},
		sink.OpSetPriority: func() error {
			p, _ := sink.As[sink.PrioritySetter](s)
			return p.SetPriority(ctx, ref, "urgent")
		},
		sink.OpSetQueue: func() error {
			q, _ := sink.As[sink.QueueSetter](s)
			return q.SetQueue(ctx, ref, "42")
		},
		sink.OpSatisfaction: func() error {
			w, _ := sink.As[sink.SatisfactionWriter](s)
			return w.SetSatisfaction(ctx, ref, core.Satisfaction{Score: 4})
		},
	}
}

// Every capability call is timed, rate limited and paused like Create.
func TestCapabilitiesGoThroughWrappers(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for op := range capabilityCalls(nil) {
		t.Run(op, func(t *testing.T) {
			inner := &capableSink{flakySink{err: &core.CallError{Op: op, Status: 503}}}
			hist := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "d"}, []string{"sink", "op", "code"})
			s := sink.Instrument(sink.Breaker(sink.Limit(inner, 600, clock), 2, time.Minute, clock, nil), hist, clock)
			call := capabilityCalls(s)[op]
			for range 2 {
				if err := call(); err == nil {
					t.Fatal("a failing call succeeded")
				}
			}
			if err := call(); !errors.Is(err, sink.ErrPaused) || inner.calls != 2 {
				t.Fatalf("after 2 failures: %v with %d calls, want paused without a call", err, inner.calls)
			}
			if got := samples(t, hist); got[op+"/503"] != 2 || got[op+"/error"] != 1 {
				t.Fatalf("timed calls %v, want 2 with 503 and 1 paused for %s", got, op)
			}

			// The rate limit: a burst of 600/10 = 60 calls, then a wait; a
			// look-up leaves the last token to the write it comes before.
			want := 60
			if op == sink.OpFindComment || op == sink.OpFindAttachment {
				want = 59
			}
			inner = &capableSink{}
			call = capabilityCalls(sink.Limit(inner, 600, clock))[op]
			var limited error
			for i := 0; i < 100 && limited == nil; i++ {
				limited = call()
			}
			if _, ok := core.RetryAfterOf(limited); !ok || inner.calls != want {
				t.Fatalf("rate limit: %v after %d calls, want a RetryAfter after %d", limited, inner.calls, want)
			}
		})
	}
}

// samples counts the observations per "op/code".
func samples(t *testing.T, hist *prometheus.HistogramVec) map[string]uint64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(hist)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			out[labels["op"]+"/"+labels["code"]] += m.GetHistogram().GetSampleCount()
		}
	}
	return out
}
