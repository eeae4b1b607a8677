package loadgen

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/ticketbridge/ticketbridge/internal/sink/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// conv is what one ticket conversation went through.
type conv struct {
	sent, created, createdReply time.Time
	webhookSent, statusReply    time.Time
	accepted, webhookFailed     bool
	ticket                      generic.Ticket
}

// done says the conversation has nothing more to wait for; with
// ticketsOnly, the ticket is all it waits for.
func (c *conv) done(ticketsOnly bool) bool {
	if ticketsOnly {
		return !c.created.IsZero()
	}
	return !c.created.IsZero() && (!c.statusReply.IsZero() || c.webhookFailed)
}

// Loadgen is one load run with its two fakes listening.
type Loadgen struct {
	opts    Options
	sink    *FakeSink
	chat    *FakeChat
	servers []*http.Server
	sinkURL string
	chatURL string
	target  *http.Client
	hooks   stdwebhook.Client
	bg      sync.WaitGroup

	mu        sync.Mutex
	runCtx    context.Context
	convs     map[string]*conv
	acks      durations
	statuses  map[string]int
	accepted  int
	lastSend  time.Time
	lastAns   time.Time
	created   int // created replies
	hooksSent int
	hooksFail int
	strayRep  int
	strayTkt  int
}

// New validates o, opens the fakes' listeners and starts serving them.
// Close stops them.
func New(o Options) (*Loadgen, error) {
	o.withDefaults()
	if o.RunID == "" {
		// Upper-case base32: valid in Slack ids too.
		o.RunID = rand.Text()[:6]
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	sinkKey, err := stdwebhook.ParseSecret(o.SinkSecret)
	if err != nil {
		return nil, fmt.Errorf("sink-secret: %w", err)
	}
	var replyKey stdwebhook.Secret
	if o.Format == FormatGeneric {
		if replyKey, err = stdwebhook.ParseSecret(o.Secret); err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
	}
	l := &Loadgen{
		opts:     o,
		convs:    map[string]*conv{},
		statuses: map[string]int{},
		runCtx:   context.Background(),
	}
	sinkLn, err := net.Listen("tcp", o.SinkListen)
	if err != nil {
		return nil, fmt.Errorf("sink listen: %w", err)
	}
	chatLn, err := net.Listen("tcp", o.ChatListen)
	if err != nil {
		sinkLn.Close()
		return nil, fmt.Errorf("chat listen: %w", err)
	}
	l.sinkURL = "http://" + sinkLn.Addr().String()
	l.chatURL = "http://" + chatLn.Addr().String()
	l.sink = NewFakeSink(sinkKey, o.Sink, l.sinkURL, l.onCreate)
	l.chat = NewFakeChat(o.Format, replyKey, o.BotToken, l.onReply)
	for _, s := range []struct {
		ln net.Listener
		h  http.Handler
	}{{sinkLn, l.sink}, {chatLn, l.chat}} {
		srv := &http.Server{Handler: s.h, ReadHeaderTimeout: 10 * time.Second}
		l.servers = append(l.servers, srv)
		go func() { _ = srv.Serve(s.ln) }()
	}
	tr := &http.Transport{
		MaxConnsPerHost:     o.MaxConns,
		MaxIdleConns:        o.MaxConns,
		MaxIdleConnsPerHost: o.MaxConns,
		DisableCompression:  true,
	}
	l.target = &http.Client{Transport: tr, Timeout: o.RequestTimeout}
	l.hooks = stdwebhook.Client{HTTP: &http.Client{Timeout: 5 * time.Second}, Key: sinkKey}
	return l, nil
}

// SinkURL is the fake ticket system's base URL.
func (l *Loadgen) SinkURL() string { return l.sinkURL }

// ChatURL is the fake chat's base URL.
func (l *Loadgen) ChatURL() string { return l.chatURL }

// Options are the options in effect, defaults filled in.
func (l *Loadgen) Options() Options { return l.opts }

// Close stops the fakes.
func (l *Loadgen) Close() error {
	l.bg.Wait()
	l.target.CloseIdleConnections()
	var errs []error
	for _, s := range l.servers {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// ticketConversation says whether conversation c opens with /ticket.
func (l *Loadgen) ticketConversation(c int) bool {
	return l.opts.TicketEvery > 0 && c%l.opts.TicketEvery == 0
}

// Run offers the load, waits for the backlog to drain and summarises.
// Call it once per Loadgen: conversation state is not reset.
// progress, when not nil, gets progress bars. A cancelled ctx ends the run
// early; the summary of what happened so far comes back with ctx's error.
func (l *Loadgen) Run(ctx context.Context, progress io.Writer) (Summary, error) {
	o := l.opts
	ev, err := newEvents(o, time.Now())
	if err != nil {
		return Summary{}, err
	}
	l.mu.Lock()
	l.runCtx = ctx
	for c := range min(o.Conversations, o.Events) {
		if l.ticketConversation(c) {
			l.convs[ev.conversation(c)] = &conv{}
		}
	}
	l.mu.Unlock()

	bar := newBar(progress, o.Events, "sending ")
	url := l.opts.Target + "/hooks/im/" + o.Source
	var wg sync.WaitGroup
	pacer := Pacer{Rate: o.Rate}
	start := time.Now()
	sent, runErr := pacer.Run(ctx, o.Events, func(i int, due time.Time) {
		wg.Go(func() {
			l.send(ctx, ev, url, i, due)
			bar.add()
		})
	})
	paced := time.Since(start)
	wg.Wait()
	bar.finish()

	drained, drain := l.drain(ctx, progress)
	l.bg.Wait()
	s := l.summary(start, sent, paced, drained, drain)
	if runErr == nil {
		runErr = ctx.Err()
	}
	return s, runErr
}

// send posts event i and records its answer.
func (l *Loadgen) send(ctx context.Context, ev *events, url string, i int, due time.Time) {
	o := l.opts
	c, n := i%o.Conversations, i/o.Conversations
	opens := n == 0 && l.ticketConversation(c)
	now := time.Now()
	body, hdr, err := ev.build(i, c, text(n, opens), now)
	result := ""
	if err == nil {
		result = l.post(ctx, url, body, hdr)
	} else {
		result = "build"
	}
	end := time.Now()
	l.acks.add(end.Sub(due))
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.After(l.lastSend) {
		l.lastSend = now
	}
	if end.After(l.lastAns) {
		l.lastAns = end
	}
	if result != "" {
		l.statuses[result]++
		return
	}
	l.accepted++
	if opens {
		if st := l.convs[ev.conversation(c)]; st != nil {
			st.sent, st.accepted = now, true
		}
	}
}

// post sends one event; it returns "" for a 2xx, else the error class.
func (l *Loadgen) post(ctx context.Context, url string, body []byte, hdr http.Header) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytesReader(body))
	if err != nil {
		return "build"
	}
	req.Header = hdr
	resp, err := l.target.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "timeout"
		}
		if ctx.Err() != nil {
			return "cancelled"
		}
		return "connection"
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return ""
	}
	return strconv.Itoa(resp.StatusCode)
}

// onCreate is the fake sink's callback.
func (l *Loadgen) onCreate(t SinkTicket) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.convs[t.Conversation]
	if st == nil {
		l.strayTkt++
		return
	}
	if st.created.IsZero() {
		st.created, st.ticket = t.Created, t.Ticket
	}
}

// onReply is the fake chat's callback: the first reply of a ticket
// conversation says the ticket is open, and sets off the status webhook;
// the next one answers that webhook.
func (l *Loadgen) onReply(r Reply) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.convs[r.Conversation]
	switch {
	case st == nil:
		l.strayRep++
	case st.createdReply.IsZero():
		st.createdReply = r.At
		l.created++
		if st.ticket.Key == "" || l.opts.TicketsOnly {
			// A reply before the ticket exists is not ours to follow;
			// with TicketsOnly no status webhook is sent at all.
			return
		}
		st.webhookSent = time.Now()
		l.hooksSent++
		ctx, t := l.runCtx, st.ticket
		l.bg.Go(func() { l.sendStatus(ctx, r.Conversation, t) })
	case !st.webhookSent.IsZero() && st.statusReply.IsZero():
		st.statusReply = r.At
	default:
		l.strayRep++
	}
}

// sendStatus moves the ticket to the configured status with a signed
// webhook, retrying a failed delivery twice with the same webhook-id.
func (l *Loadgen) sendStatus(ctx context.Context, conversation string, t generic.Ticket) {
	id := stdwebhook.NewMessageID()
	from := t.Status
	t.Status = l.opts.Status
	var err error
	for attempt := range 3 {
		if attempt > 0 {
			if sleepCtx(ctx, time.Duration(attempt)*200*time.Millisecond) != nil {
				break
			}
		}
		_, err = l.hooks.Do(ctx, stdwebhook.Request{
			Op:     "status webhook",
			Method: http.MethodPost,
			URL:    l.opts.Target + "/hooks/tickets/" + l.opts.SinkID,
			ID:     id,
			Body:   generic.Webhook{Type: generic.TypeStatusChanged, Ticket: t, From: from, To: t.Status},
		})
		if err == nil {
			return
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hooksFail++
	if st := l.convs[conversation]; st != nil {
		st.webhookFailed = true
	}
}

// drain waits until every accepted ticket conversation has its ticket and
// status reply (with TicketsOnly: its ticket), or DrainTimeout. It returns
// whether all arrived and the time from the last send to the last arrival
// (or to the timeout).
func (l *Loadgen) drain(ctx context.Context, progress io.Writer) (bool, time.Duration) {
	l.mu.Lock()
	expected := 0
	for _, st := range l.convs {
		if st.accepted {
			expected++
		}
	}
	last := l.lastSend
	l.mu.Unlock()
	perConv := 2
	if l.opts.TicketsOnly {
		perConv = 1
	}
	bar := newBar(progress, perConv*expected, "draining")
	defer bar.finish()
	deadline := time.NewTimer(l.opts.DrainTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		l.mu.Lock()
		done, steps := 0, 0
		latest := last
		for _, st := range l.convs {
			if !st.accepted {
				continue
			}
			for _, t := range []time.Time{st.created, st.statusReply} {
				if !t.IsZero() {
					steps++
					if t.After(latest) {
						latest = t
					}
				}
			}
			if st.webhookFailed {
				steps++
			}
			if st.done(l.opts.TicketsOnly) {
				done++
			}
		}
		l.mu.Unlock()
		bar.set(steps)
		if done == expected {
			return true, latest.Sub(last)
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			return false, time.Since(last)
		case <-ctx.Done():
			return false, time.Since(last)
		}
	}
}

func (l *Loadgen) summary(start time.Time, sent int, paced time.Duration, drained bool, drain time.Duration) Summary {
	o := l.opts
	var tickets, status durations
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Summary{
		Target: o.Target, Format: o.Format, RunID: o.RunID, Conversations: o.Conversations,
		OfferedRate: o.Rate, Events: o.Events, Sent: sent, AchievedRate: Rate(sent, paced),
		Accepted: l.accepted, Errors: map[string]int{},
		CreatedReplies: l.created, WebhooksSent: l.hooksSent, WebhooksFailed: l.hooksFail,
		UnexpectedReply: l.strayRep, UnexpectedTicket: l.strayTkt,
		Drained: drained, DrainSeconds: drain.Seconds(), TicketsOnly: o.TicketsOnly,
		Sink: l.sink.Counts(), Chat: l.chat.Counts(),
	}
	for k, v := range l.statuses {
		s.Errors[k] = v
	}
	if !l.lastAns.IsZero() {
		s.SendSeconds = l.lastAns.Sub(start).Seconds()
		s.Throughput = Rate(l.accepted, l.lastAns.Sub(start))
	}
	s.Ack = l.acks.summary()
	for _, st := range l.convs {
		if !st.accepted {
			continue
		}
		s.TicketsExpected++
		if !st.created.IsZero() {
			s.TicketsCreated++
			tickets.add(st.created.Sub(st.sent))
		}
		if !st.statusReply.IsZero() {
			s.StatusReplies++
			status.add(st.statusReply.Sub(st.webhookSent))
		}
	}
	s.Ticket, s.Status = tickets.summary(), status.summary()
	return s
}

// bar is a progress bar that may be off.
type bar struct{ p *progressbar.ProgressBar }

func newBar(w io.Writer, total int, desc string) bar {
	if w == nil || total <= 0 {
		return bar{}
	}
	return bar{progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)}
}

func (b bar) add() {
	if b.p != nil {
		_ = b.p.Add(1)
	}
}

func (b bar) set(n int) {
	if b.p != nil {
		_ = b.p.Set(n)
	}
}

func (b bar) finish() {
	if b.p != nil {
		_ = b.p.Finish()
	}
}
