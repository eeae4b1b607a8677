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

	"github.com/ticketbridge/ticketbridge/internal/buildinfo"
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
	ResultUnknownSink  = "unknown_sink"
	ResultForbidden    = "forbidden"
	ResultError        = "error"
	// ResultBusy: refused while the server is busy: 429 while processing
	// lags behind, 503 before the body is read while too many are in flight.
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
	// EventsProcessed counts chat events the processing jobs decided on,
	// beside Events (accepted at ingress): their rates differ when
	// processing falls behind.
	EventsProcessed prometheus.Counter
	// ProcessingLag is the age of the oldest event not yet processed.
	ProcessingLag prometheus.Gauge
	// Effects counts retried outbound effects by what the retry found:
	// its own earlier effect (found), none (repeated), or no way to
	// look (unverifiable: the repeat may double it).
	Effects *prometheus.CounterVec
	// JudgeRequests and JudgeDuration count the questions put to the
	// routes' LLM judges and how long the asked ones took.
	JudgeRequests *prometheus.CounterVec
	JudgeDuration *prometheus.HistogramVec
	// CSATResponses counts satisfaction answers by score; SLABreaches
	// counts deadlines missed by route and kind (first_response,
	// resolution).
	CSATResponses *prometheus.CounterVec
	SLABreaches   *prometheus.CounterVec
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
			Name: "ticketbridge_sync_latency_seconds",
			Help: "From a chat event to its ticket (event_to_ticket), and from a ticket event to the chat message (ticket_to_chat).",
			// 1 ms to 60 s in 48 steps of about 26 %: fine enough to read a
			// p99 of tens of milliseconds or of tens of seconds.
			Buckets: prometheus.ExponentialBucketsRange(0.001, 60, 48),
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
		EventsProcessed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ticketbridge_events_processed_total",
			Help: "Chat events run through the routes' triggers.",
		}),
		ProcessingLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ticketbridge_processing_lag_seconds",
			Help: "Age of the oldest accepted chat event not yet processed (0 when none waits).",
		}),
		Effects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbridge_effect_retries_total",
			Help: "Retried outbound effects (notice, comment, attachment) by connector, kind and what the look-up for the earlier attempt found: found, repeated, unverifiable.",
		}, []string{"connector", "effect", "result"}),
		JudgeRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbridge_judge_requests_total",
			Help: "Questions for a route's LLM judge by result: asked (sent), answered, timeout, error (sent, no verdict), over_budget (not sent: budget spent or Retry-After), cached (not sent: the verdict on the same message was kept).",
		}, []string{"route", "result"}),
		JudgeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ticketbridge_judge_request_duration_seconds",
			Help:    "Time from asking a route's LLM judge to its answer, timeout or error.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{"route"}),
		CSATResponses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbridge_csat_responses_total",
			Help: "Customer satisfaction answers recorded, by score (1-5).",
		}, []string{"score"}),
		SLABreaches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ticketbridge_sla_breaches_total",
			Help: "SLA deadlines missed, by route and kind (first_response, resolution).",
		}, []string{"route", "kind"}),
		IngestBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ticketbridge_ingest_batch_events",
			Help:    "Events per group-commit transaction at ingress.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10),
		}),
	}
	reg.MustRegister(m.Events, m.TicketEvents, m.TicketsCreated, m.SinkDuration, m.SourceDuration,
		m.SyncLatency, m.Notifications, m.Decisions, m.IngestBatch, m.Fallbacks, m.SinkPaused,
		m.EventsProcessed, m.ProcessingLag, m.Effects, m.JudgeRequests, m.JudgeDuration, m.CSATResponses, m.SLABreaches,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	bi := buildinfo.Read()
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "ticketbridge_build_info",
		Help: "Always 1; the labels say which build is running.",
	}, []string{"version", "commit", "build_date", "go_version"})
	build.WithLabelValues(bi.Version, bi.Commit, bi.BuildDate, bi.GoVersion).Set(1)
	reg.MustRegister(build)
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
