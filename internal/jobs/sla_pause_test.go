package jobs

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sla"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// applied mirrors what the store applies, so the timers that go with a
// change are those of the clock it leaves.
func TestAppliedMovesTheClock(t *testing.T) {
	t0 := time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)
	base := store.SLAClock{LinkID: "L", Priority: "normal", PriorityAt: t0.Add(time.Hour),
		Statuses: []store.SLAStatus{{Key: "e1", At: t0.Add(time.Hour), Paused: true}}}
	tests := map[string]struct {
		u        store.SLAUpdate
		priority string
		statuses int
		moved    bool
	}{
		"a new priority":              {store.SLAUpdate{Priority: "urgent", PriorityAt: t0.Add(2 * time.Hour)}, "urgent", 1, true},
		"an older priority":           {store.SLAUpdate{Priority: "urgent", PriorityAt: t0}, "normal", 1, false},
		"a priority without a time":   {store.SLAUpdate{Priority: "urgent"}, "urgent", 1, true},
		"the same priority, any case": {store.SLAUpdate{Priority: "Normal", PriorityAt: t0.Add(3 * time.Hour)}, "normal", 1, false},
		"a new status":                {store.SLAUpdate{Status: &store.SLAStatus{Key: "e2", At: t0.Add(2 * time.Hour)}}, "normal", 2, true},
		"a status told twice":         {store.SLAUpdate{Status: &store.SLAStatus{Key: "e1", At: t0.Add(time.Hour), Paused: true}}, "normal", 1, false},
		"an assignee moves nothing":   {store.SLAUpdate{Assignee: "Ana"}, "normal", 1, false},
		"a resolution":                {store.SLAUpdate{ResolvedAt: t0.Add(2 * time.Hour), Status: &store.SLAStatus{Key: "e2", At: t0.Add(2 * time.Hour), Resolved: true}}, "normal", 2, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			next, moved := applied(base, tc.u)
			if next.Priority != tc.priority || len(next.Statuses) != tc.statuses || moved != tc.moved {
				t.Fatalf("applied = %s, %d statuses, moved %v; want %s, %d, %v", next.Priority, len(next.Statuses), moved, tc.priority, tc.statuses, tc.moved)
			}
			if len(base.Statuses) != 1 {
				t.Fatal("applied changed the clock it was given")
			}
		})
	}
}

// A paused resolution clock has no timers; resumed, its timers are a new
// round at the moved deadline; the first response's are untouched.
func TestTimersOfAPausedClock(t *testing.T) {
	cal, err := sla.New(sla.Spec{TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	p := sla.Policy{Calendar: cal, Targets: map[sla.Kind]map[string]time.Duration{
		sla.FirstResponse: {sla.DefaultPriority: time.Hour}, sla.Resolution: {sla.DefaultPriority: 4 * time.Hour}}}
	t0 := time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)
	c := store.SLAClock{LinkID: "L", StartedAt: t0}
	paused := c
	paused.Statuses = []store.SLAStatus{{Key: "p", At: t0.Add(time.Hour), Paused: true}}
	resumed := paused
	resumed.Statuses = append(append([]store.SLAStatus(nil), paused.Statuses...), store.SLAStatus{Key: "r", At: t0.Add(3 * time.Hour)})
	tests := map[string]struct {
		c    store.SLAClock
		want map[sla.Kind]SLATimerArgs
	}{
		"running": {c, map[sla.Kind]SLATimerArgs{sla.FirstResponse: {At: t0.Add(time.Hour)}, sla.Resolution: {At: t0.Add(4 * time.Hour)}}},
		"paused":  {paused, map[sla.Kind]SLATimerArgs{sla.FirstResponse: {At: t0.Add(time.Hour)}}},
		"resumed": {resumed, map[sla.Kind]SLATimerArgs{sla.FirstResponse: {At: t0.Add(time.Hour)}, sla.Resolution: {At: t0.Add(6 * time.Hour), Round: 1}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := map[sla.Kind]SLATimerArgs{}
			for _, j := range timers(p, tc.c) {
				a := j.Args.(SLATimerArgs)
				got[a.Deadline] = SLATimerArgs{At: a.At, Round: a.Round}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("timers = %+v, want %+v", got, tc.want)
			}
			for k, w := range tc.want {
				if g := got[k]; !g.At.Equal(w.At) || g.Round != w.Round {
					t.Fatalf("%s timer = %+v, want %+v", k, g, w)
				}
			}
		})
	}
}

// A resolved ticket has no timers; reopened, its resolution clock runs
// on from the business time spent before the resolution (the time it
// stood resolved counts as paused) in a new round, its first response
// stays met, and a stage that fired before does not come back.
func TestTimersOfAReopenedTicket(t *testing.T) {
	cal, err := sla.New(sla.Spec{TimeZone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	p := sla.Policy{Calendar: cal, RemindBefore: 30 * time.Minute, Targets: map[sla.Kind]map[string]time.Duration{
		sla.FirstResponse: {sla.DefaultPriority: time.Hour}, sla.Resolution: {sla.DefaultPriority: 4 * time.Hour}}}
	t0 := time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	clock := func(resolvedAt time.Time, fired []string, sts ...store.SLAStatus) store.SLAClock {
		return store.SLAClock{LinkID: "L", StartedAt: t0, ResolvedAt: resolvedAt, Fired: fired, Statuses: sts}
	}
	resolved := store.SLAStatus{Key: "s", At: h(1), Resolved: true}
	reopened := store.SLAStatus{Key: "o", At: h(3)}
	type stage struct {
		kind  sla.Kind
		stage sla.Stage
	}
	tests := map[string]struct {
		c    store.SLAClock
		want map[stage]SLATimerArgs
	}{
		"resolved": {clock(h(1), nil, resolved), nil},
		// Three hours left from 13:00; 30 minutes before is the reminder.
		"reopened": {clock(h(1), nil, resolved, reopened), map[stage]SLATimerArgs{
			{sla.Resolution, sla.StageRemind}: {At: h(6).Add(-30 * time.Minute), Round: 1},
			{sla.Resolution, sla.StageBreach}: {At: h(6), Round: 1}}},
		"reopened, told before the resolution": {clock(time.Time{}, nil, reopened), map[stage]SLATimerArgs{
			{sla.FirstResponse, sla.StageRemind}: {At: h(1).Add(-30 * time.Minute)},
			{sla.FirstResponse, sla.StageBreach}: {At: h(1)},
			{sla.Resolution, sla.StageRemind}:    {At: h(4).Add(-30 * time.Minute)},
			{sla.Resolution, sla.StageBreach}:    {At: h(4)}}},
		"resolved before resolutions were statuses, reopened": {clock(h(1), nil, reopened), map[stage]SLATimerArgs{
			{sla.Resolution, sla.StageRemind}: {At: h(6).Add(-30 * time.Minute), Round: 1},
			{sla.Resolution, sla.StageBreach}: {At: h(6), Round: 1}}},
		"reopened after the reminder": {clock(h(1), []string{"resolution/remind"}, resolved, reopened), map[stage]SLATimerArgs{
			{sla.Resolution, sla.StageBreach}: {At: h(6), Round: 1}}},
		"resolved again": {clock(h(1), nil, resolved, reopened, store.SLAStatus{Key: "s2", At: h(4), Resolved: true}), nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := map[stage]SLATimerArgs{}
			for _, j := range timers(p, tc.c) {
				a := j.Args.(SLATimerArgs)
				got[stage{a.Deadline, a.Stage}] = SLATimerArgs{At: a.At, Round: a.Round}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("timers = %+v, want %+v", got, tc.want)
			}
			for k, w := range tc.want {
				if g, ok := got[k]; !ok || !g.At.Equal(w.At) || g.Round != w.Round {
					t.Fatalf("%v timer = %+v, want %+v", k, g, w)
				}
			}
		})
	}
}

// satSink is a sink whose satisfaction fields are as configured.
type satSink struct{ score, comment bool }

func (satSink) ID() string { return "s" }
func (satSink) Create(context.Context, core.TicketDraft) (core.TicketRef, error) {
	return core.TicketRef{}, nil
}
func (satSink) FindByExternalID(context.Context, string) (core.TicketRef, bool, error) {
	return core.TicketRef{}, false, nil
}
func (satSink) Comment(context.Context, core.TicketRef, core.Comment) error { return nil }
func (satSink) ParseWebhook(*http.Request, []byte) ([]core.TicketEvent, error) {
	return nil, nil
}
func (s satSink) SatisfactionFields() (bool, bool) { return s.score, s.comment }
func (satSink) SetSatisfaction(context.Context, core.TicketRef, core.Satisfaction) error {
	return nil
}
func (satSink) Satisfaction(context.Context, core.TicketRef) (core.Satisfaction, bool, error) {
	return core.Satisfaction{}, false, nil
}

// An answer goes into the field where there is one, and into a note where
// there is none or its comment has nowhere else to go.
func TestCSATEffects(t *testing.T) {
	d := &Deps{Sinks: map[string]sink.Sink{
		"both": satSink{true, true}, "score": satSink{true, false}, "unset": satSink{}, "none": plainSink{},
	}}
	tests := map[string]struct {
		sink, comment string
		want          []string
	}{
		"score and comment fields": {"both", "slow", []string{KindCSATField}},
		"score field, a comment":   {"score", "slow", []string{KindCSATField, KindTicketNote}},
		"score field, no comment":  {"score", "", []string{KindCSATField}},
		"field not configured":     {"unset", "slow", []string{KindTicketNote}},
		"a sink without fields":    {"none", "", []string{KindTicketNote}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, j := range d.csatEffects(tc.sink, "L", 3, tc.comment) {
				got = append(got, j.Args.Kind())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("effects = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("effects = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// plainSink is a sink with no optional capability.
type plainSink struct{}

func (plainSink) ID() string { return "p" }
func (plainSink) Create(context.Context, core.TicketDraft) (core.TicketRef, error) {
	return core.TicketRef{}, nil
}
func (plainSink) FindByExternalID(context.Context, string) (core.TicketRef, bool, error) {
	return core.TicketRef{}, false, nil
}
func (plainSink) Comment(context.Context, core.TicketRef, core.Comment) error { return nil }
func (plainSink) ParseWebhook(*http.Request, []byte) ([]core.TicketEvent, error) {
	return nil, nil
}
