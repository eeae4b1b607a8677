package sink

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// Instrument wraps s so that every call is timed into hist, labelled by
// sink id, operation and status code ("ok", an HTTP status, or "error").
func Instrument(s Sink, hist *prometheus.HistogramVec, now func() time.Time) Sink {
	return &instrumented{Sink: s, hist: hist, now: now}
}

type instrumented struct {
	Sink
	hist *prometheus.HistogramVec
	now  func() time.Time
}

func (i *instrumented) observe(op string, start time.Time, err error) {
	i.hist.WithLabelValues(i.ID(), op, codeOf(err)).Observe(i.now().Sub(start).Seconds())
}

func codeOf(err error) string {
	if err == nil {
		return "ok"
	}
	var ce *core.CallError
	if errors.As(err, &ce) && ce.Status != 0 {
		return strconv.Itoa(ce.Status)
	}
	return "error"
}

func (i *instrumented) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	start := i.now()
	ref, err := i.Sink.Create(ctx, t)
	i.observe(OpCreate, start, err)
	return ref, err
}

func (i *instrumented) FindByExternalID(ctx context.Context, id string) (core.TicketRef, bool, error) {
	start := i.now()
	ref, ok, err := i.Sink.FindByExternalID(ctx, id)
	i.observe("find", start, err)
	return ref, ok, err
}

func (i *instrumented) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	start := i.now()
	err := i.Sink.Comment(ctx, ref, c)
	i.observe("comment", start, err)
	return err
}

func (i *instrumented) ParseWebhook(r *http.Request, body []byte) ([]core.TicketEvent, error) {
	return i.Sink.ParseWebhook(r, body)
}

// Unwrap returns the instrumented sink, for As.
func (i *instrumented) Unwrap() Sink { return i.Sink }
