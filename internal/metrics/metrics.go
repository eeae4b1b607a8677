// Package metrics defines ticketbridge's Prometheus metrics on a registry
// of its own (no global default registry), so tests and several
// in-process instances do not collide.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Results of an inbound event or request, the "result" label.
const (
	ResultAccepted     = "accepted"
	ResultDuplicate    = "duplicate"
	ResultChallenge    = "challenge"
	ResultBadSignature = "bad_signature"
	ResultStale        = "stale"
	ResultMalformed    = "malformed"
	ResultTooLarge     = "too_large"
	ResultUnknown      = "unknown_source"
	ResultForbidden    = "forbidden"
	ResultError        = "error"
	// ResultBusy: refused before its body was read, too many bodies in flight.
	ResultBusy = "busy"
)

// Sync directions, the "direction" label of SyncLatency.
const (
	EventToTicket = "event_to_ticket"
	TicketToChat  = "ticket_to_chat"
)

// Metrics holds every collector ticketbridge exports.
type Metrics struct {
	Registry *prometheus.Registry

	Events         *prometheus.CounterVec
	TicketEvents   *prometheus.CounterVec
	TicketsCreated *prometheus.CounterVec
	SinkDuration   *prometheus.HistogramVec
	SourceDuration *prometheus.HistogramVec
	SyncLatency    *prometheus.HistogramVec
	Notifications  *prometheus.CounterVec
	Decisions      *prometheus.CounterVec
	IngestBatch    prometheus.Histogram
	Fallbacks      *prometheus.CounterVec
	SinkPaused     *prometheus.GaugeVec
}

// New registers the collectors. deadLetters is read at every scrape.
func New(deadLetters func() float64) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		Events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbridge_events_total",
			Help: "Inbound chat events and rejected chat webhook requests, by source, kind and result.",
		}, []string{"source", "kind", "result"}),
		TicketEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbridge_ticket_events_total",
			Help: "Inbound ticket-system events and rejected ticket webhook requests, by sink, kind and result.",
		}, []string{"sink", "kind", "result"}),
		TicketsCreated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbridge_tickets_created_total",
			Help: "Ticket creations by sink and result (created, found_existing, dry_run, error).",
		}, []string{"sink", "result"}),
		SinkDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ticketbridge_sink_request_duration_seconds",
			Help:    "Duration of calls to ticket systems by sink, operation and status code.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}, []string{"sink", "op", "code"}),
		SourceDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ticketbridge_source_request_duration_seconds",
			Help:    "Duration of calls to chat platforms by source, operation and status code.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}, []string{"source", "op", "code"}),
		SyncLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ticketbridge_sync_latency_seconds",
			Help:    "From a chat event to its ticket (event_to_ticket), and from a ticket event to the chat message (ticket_to_chat).",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}, []string{"direction"}),
		Notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbridge_notifications_total",
			Help: "Messages posted to chats by source and result.",
		}, []string{"source", "result"}),
		Decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbridge_decisions_total",
			Help: "Rule decisions by route and decision (propose, create, append), dry runs included.",
		}, []string{"route", "decision", "mode"}),
		Fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbridge_fallback_notifications_total",
			Help: "Messages that went to a route's fallback channel because their conversation could not take them, by route, channel and result.",
		}, []string{"route", "channel", "result"}),
		SinkPaused: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ticketbridge_sink_paused",
			Help: "1 while a sink is paused after repeated failures (its jobs wait, a probe goes out periodically).",
		}, []string{"sink"}),
		IngestBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ticketbridge_ingest_batch_events",
			Help:    "Events per group-commit transaction at ingress.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}),
	}
	reg.MustRegister(m.Events, m.TicketEvents, m.TicketsCreated, m.SinkDuration, m.SourceDuration,
		m.SyncLatency, m.Notifications, m.Decisions, m.IngestBatch, m.Fallbacks, m.SinkPaused,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if deadLetters != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ticketbridge_dead_letters",
			Help: "Jobs that exhausted their attempts or failed permanently and wait for inspection or replay.",
		}, deadLetters))
	}
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveSince records a sync latency measured from start.
func (m *Metrics) ObserveSince(direction string, start time.Time, now time.Time) {
	if start.IsZero() {
		return
	}
	m.SyncLatency.WithLabelValues(direction).Observe(now.Sub(start).Seconds())
}
