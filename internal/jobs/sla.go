package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sla"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Job kinds of the SLA flow (persisted: never rename).
const (
	KindSLAStart    = "sla_start"
	KindSLATimer    = "sla_timer"
	KindSLAMark     = "sla_mark"
	KindSLAEscalate = "sla_escalate"
	KindSLAQueue    = "sla_queue"
)

// SLAStartArgs starts a new ticket's SLA clock and schedules its timers,
// in one transaction. A ticket's record now starts its clock itself
// (slaStart); the kind stays so that jobs queued by an earlier version
// still run (a clock that exists is left as it is).
type SLAStartArgs struct {
	LinkID    string    `json:"link_id"`
	Priority  string    `json:"priority"`
	StartedAt time.Time `json:"started_at"`
}

func (SLAStartArgs) Kind() string { return KindSLAStart }

func (SLAStartArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// SLATimerArgs wakes at At (its ScheduledAt) for one stage of one
// deadline. Waking, it reads the clock as it is now: a deadline met does
// nothing, a deadline that moved later schedules a new timer, and a
// stage that is due acts once (recorded with its effects).
type SLATimerArgs struct {
	LinkID   string    `json:"link_id"`
	Deadline sla.Kind  `json:"kind"`
	Stage    sla.Stage `json:"stage"`
	At       time.Time `json:"at"`
	// Round counts the resolution clock's finished pauses: a timer of a
	// resumed clock is a new job even when a pause gave back no business
	// time and its moment is that of a timer that woke in the pause.
	Round int `json:"round,omitempty"`
}

func (SLATimerArgs) Kind() string { return KindSLATimer }

func (SLATimerArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// SLAMarkArgs tells a clock of a ticket change: the first public reply,
// the resolution, an assignee or a new priority. Key is the ticket
// event's identity, which makes the job unique.
type SLAMarkArgs struct {
	LinkID string          `json:"link_id"`
	Key    string          `json:"key"`
	Update store.SLAUpdate `json:"update"`
}

func (SLAMarkArgs) Kind() string { return KindSLAMark }

func (SLAMarkArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// SLAEscalateArgs raises a breached ticket's priority through its sink.
type SLAEscalateArgs struct {
	LinkID   string `json:"link_id"`
	Priority string `json:"priority"`
}

func (SLAEscalateArgs) Kind() string { return KindSLAEscalate }

func (SLAEscalateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// SLAQueueArgs moves a breached ticket to the escalation queue through
// its sink.
type SLAQueueArgs struct {
	LinkID string `json:"link_id"`
	Queue  string `json:"queue"`
}

func (SLAQueueArgs) Kind() string { return KindSLAQueue }

func (SLAQueueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: allStates}}
}

// slaStart is the clock a new ticket starts when its route has an SLA,
// and the clock's first timers. Both commit with the ticket's record: a
// mark (a ticket change) that finds no clock is dropped as being on a
// route without an SLA, so the clock must exist before any change can be
// told. A start job of its own could be overtaken by a mark.
func slaStart(route config.Route, link store.Link, priority string, at time.Time) (*store.SLAClock, store.Jobs, error) {
	p, ok, err := routePolicy(route)
	if !ok {
		return nil, nil, err
	}
	c := store.SLAClock{LinkID: link.ID, Route: link.Route, Priority: priority, StartedAt: at}
	return &c, timers(p, c), nil
}

// slaMark is the job recording a ticket change on the link's clock, nil
// when its route has no SLA.
func (d *Deps) slaMark(link store.Link, key string, u store.SLAUpdate) store.Jobs {
	if r, ok := d.Routes[link.Route]; !ok || r.SLA == nil {
		return nil
	}
	return store.Jobs{Insert(SLAMarkArgs{LinkID: link.ID, Key: key, Update: u})}
}

// timers are the timer jobs of every stage still ahead for c, each
// scheduled at its moment; a paused resolution clock has none (its
// resume schedules them).
func timers(p sla.Policy, c store.SLAClock) store.Jobs {
	var out store.Jobs
	for _, kind := range sla.Kinds {
		if met(c, kind) {
			continue
		}
		ck, ok := clockOf(p, c, kind)
		if !ok || !ck.Running {
			continue
		}
		for _, st := range sla.Stages {
			at, ok := p.When(st, ck.Due)
			if !ok || slices.Contains(c.Fired, stageKey(kind, st)) {
				continue
			}
			out = append(out, timerJob(c.LinkID, kind, st, at, round(c, kind)))
		}
	}
	return out
}

// clockOf is where kind's deadline stands for c, its pauses counted.
func clockOf(p sla.Policy, c store.SLAClock, kind sla.Kind) (sla.Clock, bool) {
	return p.Clock(kind, c.Priority, c.StartedAt, pauses(c))
}

func pauses(c store.SLAClock) []sla.Pause {
	return sla.Pauses(c.StartedAt, statuses(c))
}

// statuses are c's status changes as the clock reads them. The first
// resolution counts as one even when no status change recorded it (a
// clock resolved before changes carried resolutions); when one did, the
// two are the same change.
func statuses(c store.SLAClock) []sla.Status {
	var sts []sla.Status
	if !c.ResolvedAt.IsZero() {
		sts = append(sts, sla.Status{At: c.ResolvedAt, Resolved: true})
	}
	for _, st := range c.Statuses {
		sts = append(sts, sla.Status{At: st.At, Paused: st.Paused, Resolved: st.Resolved})
	}
	return sts
}

// round is the number of finished pauses of kind's clock, reopenings
// included (0 for the first response, which does not pause).
func round(c store.SLAClock, kind sla.Kind) int {
	if kind != sla.Resolution {
		return 0
	}
	n := 0
	for _, ps := range pauses(c) {
		if !ps.To.IsZero() {
			n++
		}
	}
	return n
}

func timerJob(linkID string, kind sla.Kind, st sla.Stage, at time.Time, round int) river.InsertManyParams {
	p := Insert(SLATimerArgs{LinkID: linkID, Deadline: kind, Stage: st, At: at.UTC(), Round: round})
	// UTC, like every time River keeps.
	p.InsertOpts.ScheduledAt = at.UTC()
	return p
}

// met reports whether kind's deadline is kept. The first response is
// for good once the ticket had a public reply or a resolution; the
// resolution only while the ticket stays resolved: a reopening (a later
// change to an open status) runs its clock again.
func met(c store.SLAClock, kind sla.Kind) bool {
	if kind == sla.FirstResponse {
		return !c.FirstResponseAt.IsZero() || !c.ResolvedAt.IsZero()
	}
	return sla.Resolved(statuses(c))
}

func stageKey(kind sla.Kind, st sla.Stage) string { return string(kind) + "/" + string(st) }

func routePolicy(r config.Route) (sla.Policy, bool, error) {
	if r.SLA == nil {
		return sla.Policy{}, false, nil
	}
	p, err := r.SLA.Policy()
	if err != nil {
		return p, false, river.JobCancel(fmt.Errorf("route %s sla: %w", r.Name, err))
	}
	return p, true, nil
}

// clockTries bounds how often a clock change is decided anew when
// another change committed between its read and its write.
const clockTries = 8

// applied is c with u applied as the store applies it, for the timers
// that go with the change.
func applied(c store.SLAClock, u store.SLAUpdate) (next store.SLAClock, moved bool) {
	next = c
	if u.Priority != "" && !strings.EqualFold(u.Priority, c.Priority) &&
		(u.PriorityAt.IsZero() || !u.PriorityAt.Before(c.PriorityAt)) {
		next.Priority, moved = u.Priority, true
	}
	if next.ResolvedAt.IsZero() && !u.ResolvedAt.IsZero() {
		next.ResolvedAt = u.ResolvedAt
	}
	if st := u.Status; st != nil && !slices.ContainsFunc(c.Statuses, func(x store.SLAStatus) bool { return x.Key == st.Key }) {
		next.Statuses = append(slices.Clip(c.Statuses), *st)
		moved = true
	}
	return next, moved
}

type slaStartWorker struct {
	river.WorkerDefaults[SLAStartArgs]
	d *Deps
}

func (w *slaStartWorker) Work(ctx context.Context, job *river.Job[SLAStartArgs]) error {
	d := w.d
	q, err := d.quality()
	if err != nil {
		return err
	}
	link, ok, err := d.linkOf(ctx, job.Args.LinkID)
	if !ok {
		return err
	}
	p, ok, err := routePolicy(d.Routes[link.Route])
	if !ok {
		return err
	}
	c := store.SLAClock{LinkID: link.ID, Route: link.Route, Priority: job.Args.Priority, StartedAt: job.Args.StartedAt}
	if _, err := q.SLAStart(ctx, c, timers(p, c)); err != nil {
		return fmt.Errorf("start sla clock: %w", err)
	}
	return nil
}

type slaMarkWorker struct {
	river.WorkerDefaults[SLAMarkArgs]
	d *Deps
}

func (w *slaMarkWorker) Work(ctx context.Context, job *river.Job[SLAMarkArgs]) error {
	d := w.d
	q, err := d.quality()
	if err != nil {
		return err
	}
	for range clockTries {
		c, err := q.SLAGet(ctx, job.Args.LinkID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		p, ok, err := routePolicy(d.Routes[c.Route])
		if !ok {
			return err
		}
		// A new priority or a status change moves the deadlines: the
		// timers for the new ones go in with the change (the old ones
		// find, waking, that they are not due and do nothing). A paused
		// resolution clock gets none until it resumes.
		var follow store.Jobs
		if next, moved := applied(c, job.Args.Update); moved {
			follow = timers(p, next)
		}
		_, err = q.SLAUpdate(ctx, c.LinkID, c.Revision, job.Args.Update, follow)
		if errors.Is(err, store.ErrConflict) {
			continue // decided on a clock that changed meanwhile: again
		}
		if err != nil {
			return fmt.Errorf("update sla clock: %w", err)
		}
		return nil
	}
	return fmt.Errorf("update sla clock of %s: it changed %d times while deciding", job.Args.LinkID, clockTries)
}

type slaTimerWorker struct {
	river.WorkerDefaults[SLATimerArgs]
	d *Deps
}

func (w *slaTimerWorker) Work(ctx context.Context, job *river.Job[SLATimerArgs]) error {
	for range clockTries {
		err := w.once(ctx, job.Args)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("sla timer of %s: the clock changed %d times while deciding", job.Args.LinkID, clockTries)
}

// once decides a timer on the clock as it is now; ErrConflict when the
// clock changed before the decision committed.
func (w *slaTimerWorker) once(ctx context.Context, a SLATimerArgs) error {
	d := w.d
	q, err := d.quality()
	if err != nil {
		return err
	}
	c, err := q.SLAGet(ctx, a.LinkID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	route := d.Routes[c.Route]
	p, ok, err := routePolicy(route)
	if !ok || met(c, a.Deadline) || slices.Contains(c.Fired, stageKey(a.Deadline, a.Stage)) {
		return err
	}
	ck, ok := clockOf(p, c, a.Deadline)
	if !ok || !ck.Running {
		return nil // no target, or waiting on the customer: the resume schedules anew
	}
	due := ck.Due
	at, ok := p.When(a.Stage, due)
	if !ok {
		return nil
	}
	now := d.Now()
	if now.Before(at) {
		if !at.Equal(a.At) {
			return d.insert(ctx, store.Jobs{timerJob(a.LinkID, a.Deadline, a.Stage, at, round(c, a.Deadline))})
		}
		// Woken early (clock skew between replicas): wait for the moment.
		return river.JobSnooze(at.Sub(now))
	}
	if a.Stage == sla.StageRemind && !now.Before(due) {
		return nil // woken after the deadline (a restart): the breach speaks
	}
	link, ok, err := d.linkOf(ctx, a.LinkID)
	if !ok {
		return err
	}
	made, err := q.SLAFire(ctx, a.LinkID, c.Revision, stageKey(a.Deadline, a.Stage), now, w.effects(route, link, c, a, due))
	if errors.Is(err, store.ErrConflict) {
		return err
	}
	if err != nil {
		return fmt.Errorf("record sla %s: %w", stageKey(a.Deadline, a.Stage), err)
	}
	if made && a.Stage == sla.StageBreach {
		d.Metrics.SLABreaches.WithLabelValues(c.Route, string(a.Deadline)).Inc()
	}
	return nil
}

// effects are what a due stage does: a note on the ticket (which its
// system shows the assignee), a message to the team channel, and on a
// breach the escalation.
func (w *slaTimerWorker) effects(route config.Route, link store.Link, c store.SLAClock, a SLATimerArgs, due time.Time) store.Jobs {
	s := route.SLA
	what := map[sla.Kind]string{sla.FirstResponse: "first response", sla.Resolution: "resolution"}[a.Deadline]
	local := due.In(mustLoc(s.TimeZone)).Format("2006-01-02 15:04 MST")
	var text string
	switch a.Stage {
	case sla.StageRemind:
		text = fmt.Sprintf("SLA reminder: %s of %s is due at %s.", what, link.TicketKey, local)
	case sla.StageBreach:
		text = fmt.Sprintf("SLA breached: %s of %s was due at %s.", what, link.TicketKey, local)
	case sla.StageOverdue:
		text = fmt.Sprintf("SLA overdue: %s of %s was due at %s and is still missing.", what, link.TicketKey, local)
	}
	if c.Assignee != "" {
		text += " Assignee: " + c.Assignee + "."
	}
	key := "sla-" + link.ID + "-" + string(a.Deadline) + "-" + string(a.Stage)
	jobs := store.Jobs{Insert(TicketNoteArgs{LinkID: link.ID, Key: key, Body: text})}
	notify := func(ch *config.Channel, k string) {
		if ch == nil {
			return
		}
		to := core.ConversationRef{Source: ch.Source, Conversation: ch.Conversation, Thread: ch.Thread}
		msg := text
		if link.TicketURL != "" {
			msg += " " + link.TicketURL
		}
		jobs = append(jobs, Insert(NotifyArgs{Route: link.Route, To: to, Message: core.OutboundMessage{Text: msg, Key: k}}))
	}
	notify(s.Channel, key)
	if e := s.Escalate; e != nil && a.Stage == sla.StageBreach {
		notify(e.Channel, key+"-escalated")
		if e.Priority != "" && !strings.EqualFold(e.Priority, c.Priority) {
			jobs = append(jobs, Insert(SLAEscalateArgs{LinkID: link.ID, Priority: e.Priority}))
		}
		if q := strings.TrimSpace(e.Queue); q != "" {
			jobs = append(jobs, Insert(SLAQueueArgs{LinkID: link.ID, Queue: q}))
		}
	}
	return jobs
}

func mustLoc(tz string) *time.Location {
	if loc, err := time.LoadLocation(tz); err == nil {
		return loc
	}
	return time.UTC
}

type slaEscalateWorker struct {
	river.WorkerDefaults[SLAEscalateArgs]
	d *Deps
}

func (w *slaEscalateWorker) Work(ctx context.Context, job *river.Job[SLAEscalateArgs]) error {
	d := w.d
	link, ok, err := d.linkOf(ctx, job.Args.LinkID)
	if !ok {
		return err
	}
	// Timed like a ticket event, so a person's later change in the
	// system wins over the escalation, and an older one does not.
	mark := d.slaMark(link, "escalate-"+job.Args.Priority, store.SLAUpdate{Priority: job.Args.Priority, PriorityAt: d.Now().UTC()})
	ps, ok := sink.As[sink.PrioritySetter](d.Sinks[link.Sink])
	if !ok {
		// The system cannot be told; its agents are, on the ticket.
		mark = append(mark, Insert(TicketNoteArgs{LinkID: link.ID, Key: "sla-" + link.ID + "-escalate",
			Body: "SLA escalation: please raise this ticket's priority to " + job.Args.Priority + "."}))
		return d.insert(ctx, mark)
	}
	// Setting a priority is idempotent: a retry after a lost answer sets
	// the same value again.
	ref := core.TicketRef{Sink: link.Sink, Key: link.TicketKey, URL: link.TicketURL}
	if err := ps.SetPriority(ctx, ref, job.Args.Priority); err != nil {
		return retryable(fmt.Errorf("set priority of %s: %w", link.TicketKey, err))
	}
	return d.insert(ctx, mark)
}

type slaQueueWorker struct {
	river.WorkerDefaults[SLAQueueArgs]
	d *Deps
}

func (w *slaQueueWorker) Work(ctx context.Context, job *river.Job[SLAQueueArgs]) error {
	d := w.d
	link, ref, ok, err := d.ticketOf(ctx, job.Args.LinkID)
	if !ok {
		return err
	}
	note := func(why string) error {
		return d.insert(ctx, store.Jobs{Insert(TicketNoteArgs{LinkID: link.ID, Key: "sla-" + link.ID + "-queue",
			Body: "SLA escalation: please move this ticket to queue " + job.Args.Queue + why + "."})})
	}
	qs, ok := sink.As[sink.QueueSetter](d.Sinks[link.Sink])
	if !ok {
		return note("") // the system cannot be told; its agents are, on the ticket
	}
	// Moving a ticket to a queue is idempotent: a retry after a lost
	// answer moves it there again.
	err = qs.SetQueue(ctx, ref, job.Args.Queue)
	if err != nil && core.IsPermanent(err) {
		d.Log.WarnContext(ctx, "escalation queue refused; asking on the ticket", "sink", link.Sink, "ticket", link.TicketKey, "error", err)
		return note(" (the system refused it: " + err.Error() + ")")
	}
	return retryable(err)
}
