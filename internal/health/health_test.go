package health_test

import (
	"context"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/health"
	"github.com/ticketbridge/ticketbridge/internal/metrics"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

func TestSampleAddsChangesPerMinute(t *testing.T) {
	st := teststore.SQLite(t)
	m := metrics.New(nil)
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	depth := 7
	s := &health.Sampler{Gatherer: m.Registry, Store: st, Now: func() time.Time { return now },
		QueueDepth: func(context.Context) (int, error) { return depth, nil }}

	m.TicketsCreated.WithLabelValues("desk", "created").Add(3)
	m.TicketsCreated.WithLabelValues("desk", "error").Add(1)
	m.TicketsCreated.WithLabelValues("desk", "dry_run").Add(5)
	m.SyncLatency.WithLabelValues("event_to_ticket").Observe(0.5)
	m.SyncLatency.WithLabelValues("event_to_ticket").Observe(1.5)
	m.SinkDuration.WithLabelValues("jira", "create", "ok").Observe(0.1)
	m.SinkDuration.WithLabelValues("jira", "create", "503").Observe(0.1)
	m.SinkDuration.WithLabelValues("jira", "create", "error").Observe(0.1)
	if err := s.Sample(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The same minute again: only what changed is added.
	m.TicketsCreated.WithLabelValues("desk", "found_existing").Add(1)
	depth = 3
	if err := s.Sample(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Next minute: nothing changed but the queue.
	now = now.Add(time.Minute)
	if err := s.Sample(t.Context()); err != nil {
		t.Fatal(err)
	}
	from := now.Add(-time.Hour)
	for name, tc := range map[string]struct {
		series string
		want   []store.HealthPoint
	}{
		"creation": {health.SeriesCreate, []store.HealthPoint{{Sum: 4, Count: 5}}},
		"latency":  {health.SeriesEventToTicket, []store.HealthPoint{{Sum: 2, Count: 2}}},
		"to chat":  {health.SeriesTicketToChat, nil},
		"sink":     {health.SeriesSinkErrors, []store.HealthPoint{{Sum: 2, Count: 3}}},
		"queue":    {health.SeriesQueueDepth, []store.HealthPoint{{Sum: 10, Count: 2}, {Sum: 3, Count: 1}}},
	} {
		got, err := st.HealthRange(t.Context(), tc.series, from, now.Add(time.Hour), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %+v, want %+v", name, got, tc.want)
		}
		for i := range got {
			if got[i].Sum != tc.want[i].Sum || got[i].Count != tc.want[i].Count {
				t.Errorf("%s[%d]: %+v, want %+v", name, i, got[i], tc.want[i])
			}
		}
	}
}
