package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/csat"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Job kinds of the CSAT flow (persisted: never rename).
const (
	KindCSATAsk    = "csat_ask"
	KindCSATAnswer = "csat_answer"
)

// CSATAskArgs asks a solved ticket's conversation how it went. It is
// unique per link, and the ask itself is recorded with its notice in one
// transaction, so a crash or a retry never asks twice.
type CSATAskArgs struct {
	LinkID string `json:"link_id"`
}

func (CSATAskArgs) Kind() string { return KindCSATAsk }

func (CSATAskArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// CSATAnswerArgs takes one chat event that may answer a survey (a rating
// button, or a message that reads as a score); unique per event.
type CSATAnswerArgs struct {
	EventID int64 `json:"event_id"`
}

func (CSATAnswerArgs) Kind() string { return KindCSATAnswer }

func (CSATAnswerArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// csatAnswer queues the look-up of an open survey for an event that reads
// as an answer, on sources that a route with CSAT serves. The look-up is
// a job because the decision must not wait on the store; a typed digit
// that answers a pending proposal ("1" for yes on DingTalk) is left to
// the proposal.
func (b *batch) csatAnswer(ev core.StoredEvent, cs *convState) {
	switch {
	case ev.Kind == core.KindCommand && ev.Action == core.ActionRate:
	case ev.Kind == core.KindMessage && len(cs.pending) == 0 && ev.Sender.Role != core.RoleAgent:
		if _, _, ok := csat.Answer(ev.Text); !ok {
			return
		}
	default:
		return
	}
	for _, r := range b.w.d.Routes {
		if r.CSAT != nil && routeHasSource(r, ev.Source) {
			// In the conversation's partition queue (one worker), so two
			// answers are recorded in the order they were given: only
			// the first counts.
			job := Insert(CSATAnswerArgs{EventID: ev.ID})
			if job.InsertOpts == nil {
				job.InsertOpts = &river.InsertOpts{}
			}
			job.InsertOpts.Queue = PartitionQueue(Partition(ev.Conversation.Key(), b.w.d.Partitions))
			b.add(store.Change{Jobs: store.Jobs{job}})
			return
		}
	}
}

func (d *Deps) quality() (store.Quality, error) {
	q, ok := d.Store.(store.Quality)
	if !ok {
		return nil, river.JobCancel(fmt.Errorf("%T keeps no CSAT or SLA state", d.Store))
	}
	return q, nil
}

type csatAskWorker struct {
	river.WorkerDefaults[CSATAskArgs]
	d *Deps
}

func (w *csatAskWorker) Work(ctx context.Context, job *river.Job[CSATAskArgs]) error {
	d := w.d
	q, err := d.quality()
	if err != nil {
		return err
	}
	link, ok, err := d.linkOf(ctx, job.Args.LinkID)
	if !ok {
		return err
	}
	route, ok := d.Routes[link.Route]
	if !ok || route.CSAT == nil || link.TicketKey == "" {
		return nil
	}
	now := d.Now()
	msg := core.OutboundMessage{
		Text:   csat.Question(route.CSAT.Question, link.TicketKey),
		Rating: &core.Rating{Token: link.ID, Scale: csat.Scale},
		Key:    "csat-" + link.ID,
	}
	customer, err := d.customerOf(ctx, link)
	if err != nil {
		return err
	}
	ask := store.CSAT{LinkID: link.ID, Route: link.Route, ConvKey: link.ConvKey, Conversation: link.Conversation,
		Sink: link.Sink, TicketKey: link.TicketKey, Customer: customer, AskedAt: now}
	quiet := route.CSAT.Quiet()
	if _, err := q.CSATAsk(ctx, ask, now.Add(-quiet), store.Jobs{Insert(NotifyArgs{Route: link.Route, To: link.Conversation, Message: msg})}); err != nil {
		return fmt.Errorf("record csat ask: %w", err)
	}
	return nil
}

// customerLookback bounds the messages read to find who is asked.
const customerLookback = 50

// customerOf is the person a survey asks ("source/sender id"): the last
// customer who wrote in the conversation, "" when none is stored (then
// only the conversation's quiet period applies).
func (d *Deps) customerOf(ctx context.Context, link store.Link) (string, error) {
	evs, err := d.Store.ConversationEvents(ctx, link.ConvKey, 0, 0, customerLookback)
	if err != nil {
		return "", fmt.Errorf("load conversation: %w", err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		if (e.Sender.Role == core.RoleCustomer || e.Sender.Role == "") && e.Sender.ID != "" {
			return e.Source + "/" + e.Sender.ID, nil
		}
	}
	return "", nil
}

type csatAnswerWorker struct {
	river.WorkerDefaults[CSATAnswerArgs]
	d *Deps
}

func (w *csatAnswerWorker) Work(ctx context.Context, job *river.Job[CSATAnswerArgs]) error {
	d := w.d
	q, err := d.quality()
	if err != nil {
		return err
	}
	evs, err := d.loadEvent(ctx, job.Args.EventID)
	if err != nil {
		return err
	}
	ev := evs[0]
	score, comment, ok := csat.Answer(ev.Text)
	if !ok {
		return nil
	}
	survey, err := q.CSATOpen(ctx, ev.Conversation.Key(), ev.Time.Add(-w.longestWindow()))
	if errors.Is(err, store.ErrNotFound) {
		return nil // a number that answers nothing
	}
	if err != nil {
		return fmt.Errorf("find open survey: %w", err)
	}
	route, ok := d.Routes[survey.Route]
	if !ok || route.CSAT == nil || ev.Time.Sub(survey.AskedAt) > route.CSAT.Window() {
		return nil
	}
	if tok, _ := ev.Meta["token"].(string); ev.Action == core.ActionRate && tok != "" && tok != survey.LinkID {
		return nil // a button of an older survey, answered already
	}
	key := "csat-" + survey.LinkID
	follow := append(d.csatEffects(survey.Sink, survey.LinkID, score, comment),
		Insert(NotifyArgs{Route: survey.Route, To: survey.Conversation,
			Message: core.OutboundMessage{Text: "Thank you for your feedback!", Key: key + "-thanks"}}))
	made, err := q.CSATAnswer(ctx, survey.LinkID, score, comment, ev.Time, follow)
	if err != nil {
		return fmt.Errorf("record csat answer: %w", err)
	}
	if made {
		d.Metrics.CSATResponses.WithLabelValues(strconv.Itoa(score)).Inc()
	}
	return nil
}

func (w *csatAnswerWorker) longestWindow() (out time.Duration) {
	for _, r := range w.d.Routes {
		if r.CSAT != nil {
			out = max(out, r.CSAT.Window())
		}
	}
	return out
}
