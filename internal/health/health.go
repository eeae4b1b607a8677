// Package health keeps the figures the console charts — ticket creation
// success, sync latency, sink API errors, queue depth — as per-minute
// totals in the store. Each replica samples its own Prometheus registry
// once a minute and adds what changed since its last sample, so the
// store's rows are the sum over replicas.
package health

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Series names, persisted in the store.
const (
	// SeriesCreate: Sum tickets created (or found from an earlier
	// attempt), Count creation attempts; dry runs are not counted.
	SeriesCreate = "ticket_create"
	// SeriesEventToTicket and SeriesTicketToChat: Sum seconds, Count
	// observations of the sync latency.
	SeriesEventToTicket = "sync_event_to_ticket"
	SeriesTicketToChat  = "sync_ticket_to_chat"
	// SeriesSinkErrors: Sum failed calls to ticket systems, Count calls.
	SeriesSinkErrors = "sink_errors"
	// SeriesQueueDepth: Sum jobs waiting to run at each sample, Count
	// samples.
	SeriesQueueDepth = "queue_depth"
)

// Series lists every series, in the order the console shows them.
var Series = []string{SeriesCreate, SeriesEventToTicket, SeriesTicketToChat, SeriesSinkErrors, SeriesQueueDepth}

// Sampler turns the registry's cumulative counters into per-minute rows.
type Sampler struct {
	Gatherer prometheus.Gatherer
	Store    store.Health
	// QueueDepth counts the jobs waiting to run; nil leaves the series out.
	QueueDepth func(ctx context.Context) (int, error)
	Now        func() time.Time
	Log        *slog.Logger

	// prev holds the cumulative totals at the last sample; a process
	// starts its counters at zero, so the first sample's change is since
	// start.
	prev map[string]store.HealthRow
}

// Sample adds what changed since the last sample to the current minute.
func (s *Sampler) Sample(ctx context.Context) error {
	fams, err := s.Gatherer.Gather()
	if err != nil {
		return fmt.Errorf("gather metrics: %w", err)
	}
	cur := totals(fams)
	if s.prev == nil {
		s.prev = map[string]store.HealthRow{}
	}
	var rows []store.HealthRow
	for _, name := range []string{SeriesCreate, SeriesEventToTicket, SeriesTicketToChat, SeriesSinkErrors} {
		c, p := cur[name], s.prev[name]
		if d := (store.HealthRow{Series: name, Sum: c.Sum - p.Sum, Count: c.Count - p.Count}); d.Count > 0 {
			rows = append(rows, d)
		}
	}
	if s.QueueDepth != nil {
		n, err := s.QueueDepth(ctx)
		if err != nil {
			return fmt.Errorf("queue depth: %w", err)
		}
		rows = append(rows, store.HealthRow{Series: SeriesQueueDepth, Sum: float64(n), Count: 1})
	}
	if len(rows) > 0 {
		if err := s.Store.HealthAdd(ctx, s.Now(), rows); err != nil {
			return err
		}
	}
	s.prev = cur
	return nil
}

// Run samples every interval until ctx ends; a failed sample is logged and
// its changes go into the next one.
func (s *Sampler) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Sample(ctx); err != nil && s.Log != nil && ctx.Err() == nil {
				s.Log.Warn("health sample not stored", slog.String("error", err.Error()))
			}
		}
	}
}

// totals reads the cumulative figures of each series from the registry.
func totals(fams []*dto.MetricFamily) map[string]store.HealthRow {
	out := map[string]store.HealthRow{}
	add := func(series string, sum, count float64) {
		r := out[series]
		r.Series, r.Sum, r.Count = series, r.Sum+sum, r.Count+count
		out[series] = r
	}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			switch f.GetName() {
			case "ticketbridge_tickets_created_total":
				switch label(m, "result") {
				case "created", "found_existing":
					add(SeriesCreate, m.GetCounter().GetValue(), m.GetCounter().GetValue())
				case "error":
					add(SeriesCreate, 0, m.GetCounter().GetValue())
				}
			case "ticketbridge_sync_latency_seconds":
				h := m.GetHistogram()
				switch label(m, "direction") {
				case "event_to_ticket":
					add(SeriesEventToTicket, h.GetSampleSum(), float64(h.GetSampleCount()))
				case "ticket_to_chat":
					add(SeriesTicketToChat, h.GetSampleSum(), float64(h.GetSampleCount()))
				}
			case "ticketbridge_sink_request_duration_seconds":
				n := float64(m.GetHistogram().GetSampleCount())
				failed := 0.0
				if code := label(m, "code"); code != "ok" && !strings.HasPrefix(code, "2") {
					failed = n
				}
				add(SeriesSinkErrors, failed, n)
			}
		}
	}
	return out
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
