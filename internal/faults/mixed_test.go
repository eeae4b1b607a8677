package faults

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/loadgen"
	"github.com/ticketbridge/ticketbridge/internal/sink/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// The mixed scenario. Conversations come in two kinds, alternating:
//
//   - command: "/ticket …" opens a ticket at once; two lines of chatter
//     follow (appended as follow-ups, often while the ticket is still
//     being created);
//   - confirm: a message with the route's keyword makes the bot ask; the
//     customer answers "yes" when the question arrives, which opens the
//     ticket.
//
// In both, once the "is open" notice arrives the customer sends a photo
// (a message with an attachment served by the fake file server). When
// the ticket holds everything the customer said and the photo's note, an
// agent of the fake ticket system comments (passed on to the chat) and
// then solves the ticket (a status notice to the chat), each as a signed
// ticket webhook re-sent until it gets a 2xx.
const (
	keywordText    = "I want a refund, the blender stopped working after a day"
	yesText        = "yes"
	photoText      = "here is a photo of the damage"
	agentReplyText = "a replacement is on its way"
)

// planned is one event a conversation sends.
type planned struct {
	id         string
	conv       int
	text       string
	attachment *core.Attachment
}

// convExpect is what one conversation must end up with.
type convExpect struct {
	// followUps must each be on the ticket once.
	followUps []string
	// confirm: the conversation asked through a proposal, which must
	// reach the chat once and open one ticket.
	confirm bool
	// attachment is the file name whose note must be on the ticket once;
	// with it, the agent's reply and the solved notice must reach the
	// chat once each.
	attachment string
}

// check lists what is missing or doubled for conversation c beyond its
// ticket, opened notice and follow-ups; the caller holds w.mu.
func (e convExpect) check(c, body string, w *world) []string {
	var bad []string
	if e.confirm && w.proposals[c] != 1 {
		bad = append(bad, fmt.Sprintf("%s: %d proposals", c, w.proposals[c]))
	}
	if e.attachment == "" {
		return bad
	}
	if n := strings.Count(body, attachmentNote(e.attachment)); n != 1 {
		bad = append(bad, fmt.Sprintf("%s: attachment note on the ticket %d times", c, n))
	}
	if n := w.agentReplies[c]; n != 1 {
		bad = append(bad, fmt.Sprintf("%s: agent reply in the chat %d times", c, n))
	}
	if n := w.statusNotices[c]; n != 1 {
		bad = append(bad, fmt.Sprintf("%s: solved notice in the chat %d times", c, n))
	}
	return bad
}

// attachmentNote is how the note for a file starts on the ticket (the
// generic sink takes no uploads, so the ticket gets a download link).
func attachmentNote(name string) string { return "Attachment " + strconv.Quote(name) }

// mixedPlan is the mixed scenario's events and expectations.
type mixedPlan struct {
	static []planned
	extra  int // events reactions will send
	expect map[string]convExpect
}

func isConfirm(c int) bool { return c%2 == 1 }

// newMixedLoad plans convs conversations of the mixed scenario and wires
// the reactions (yes, photo) to the world's chat.
func (r *rig) newMixedLoad(convs int, targets ...func() string) *load {
	l := newLoad(r.t, convs, 3, targets...)
	p := &mixedPlan{expect: map[string]convExpect{}}
	for n := range 3 {
		for c := range convs {
			switch {
			case isConfirm(c) && n == 0:
				p.static = append(p.static, planned{id: l.eventID(len(p.static)), conv: c, text: keywordText})
			case !isConfirm(c) && n == 0:
				p.static = append(p.static, planned{id: l.eventID(len(p.static)), conv: c, text: loadgen.TicketText})
			case !isConfirm(c):
				p.static = append(p.static, planned{id: l.eventID(len(p.static)), conv: c, text: chatter[n-1]})
			}
		}
	}
	for c := range convs {
		e := convExpect{confirm: isConfirm(c), attachment: photoName(l, c)}
		if !e.confirm {
			e.followUps = []string{chatter[0], chatter[1]}
		}
		e.followUps = append(e.followUps, photoText)
		p.expect[l.conversation(c)] = e
	}
	// A photo from every conversation, a yes from each confirm one.
	p.extra = convs + convs/2
	l.mixed = p
	index := make(map[string]int, convs)
	for c := range convs {
		index[l.conversation(c)] = c
	}
	r.w.mu.Lock()
	r.w.expect = p.expect
	r.w.react = func(rep loadgen.Reply) {
		c, ok := index[rep.Conversation]
		if !ok {
			return
		}
		switch {
		case rep.Prompt != "" && isConfirm(c):
			l.later(planned{id: l.eventID(0) + "-yes-" + strconv.Itoa(c), conv: c, text: yesText})
		case strings.Contains(rep.Text, " is open"):
			name := photoName(l, c)
			l.later(planned{id: l.eventID(0) + "-photo-" + strconv.Itoa(c), conv: c, text: photoText,
				attachment: &core.Attachment{ID: "ph" + strconv.Itoa(c), Name: name, ContentType: "image/png", URL: r.w.files.url + "/files/" + name}})
		}
	}
	r.w.mu.Unlock()
	r.w.agent = newAgent(r.t, r.w, targets)
	return l
}

func photoName(l *load, c int) string { return "photo-" + l.run + "-" + strconv.Itoa(c) + ".png" }

// fileServer is the chat platform's file store: every name is a small
// PNG.
type fileServer struct {
	url     string
	fetches atomic.Int64
}

func newFileServer(t *testing.T) *fileServer {
	f := &fileServer{}
	png := append([]byte("\x89PNG\r\n\x1a\n"), strings.Repeat("pixels", 200)...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/files/") {
			http.NotFound(w, r)
			return
		}
		f.fetches.Add(1)
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// agent is the ticket system's support staff: once a ticket holds all
// its conversation said (follow-ups and the photo's note), it comments
// and then solves it, telling ticketbridge by signed webhooks that it
// re-sends, with the same webhook-id, until one gets a 2xx.
type agent struct {
	w       *world
	targets []func() string
	client  *stdwebhook.Client

	mu      sync.Mutex
	handled map[string]bool
	sent    int // webhooks acknowledged
	tries   int
	pending sync.WaitGroup
}

func newAgent(t *testing.T, w *world, targets []func() string) *agent {
	key, err := stdwebhook.ParseSecret(loadgen.DefaultSinkSecret)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	a := &agent{w: w, targets: targets, handled: map[string]bool{},
		client: &stdwebhook.Client{Key: key, HTTP: &http.Client{Transport: tr, Timeout: 3 * time.Second}}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.watch(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		a.pending.Wait()
		tr.CloseIdleConnections()
	})
	return a
}

// watch looks at the tickets every 200 ms and works the ready ones.
func (a *agent) watch(ctx context.Context) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		a.w.mu.Lock()
		expect := a.w.expect
		a.w.mu.Unlock()
		for _, tk := range a.w.sink.Tickets() {
			e, ok := expect[tk.Conversation]
			if !ok || e.attachment == "" || a.isHandled(tk.Key) {
				continue
			}
			body := strings.Join(tk.Bodies, "\n")
			ready := strings.Contains(body, attachmentNote(e.attachment))
			for _, line := range e.followUps {
				ready = ready && strings.Contains(body, line)
			}
			if !ready {
				continue
			}
			a.mu.Lock()
			a.handled[tk.Key] = true
			a.mu.Unlock()
			a.pending.Go(func() { a.work(ctx, tk) })
		}
	}
}

func (a *agent) isHandled(key string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.handled[key]
}

// work comments on the ticket, then solves it.
func (a *agent) work(ctx context.Context, tk loadgen.SinkTicket) {
	comment := generic.Webhook{Type: generic.TypeCommentAdded, Ticket: tk.Ticket,
		Comment: &generic.CommentBody{Body: agentReplyText + " (" + tk.Key + ")", Public: true, Author: "Kim"}}
	if !a.deliver(ctx, "agent-comment-"+tk.Key, comment) {
		return
	}
	solved := tk.Ticket
	solved.Status = "resolved"
	a.deliver(ctx, "agent-solve-"+tk.Key, generic.Webhook{Type: generic.TypeStatusChanged, Ticket: solved, From: tk.Status, To: "resolved"})
}

// deliver posts one webhook until a 2xx or ctx ends, to a different
// target on each try.
func (a *agent) deliver(ctx context.Context, id string, body generic.Webhook) bool {
	for try := 0; ctx.Err() == nil; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return false
			case <-time.After(time.Duration(100+50*min(try, 10)) * time.Millisecond):
			}
		}
		target := a.targets[try%len(a.targets)]()
		_, err := a.client.Do(ctx, stdwebhook.Request{Op: "ticket webhook", Method: http.MethodPost,
			URL: target + "/hooks/tickets/loadgen", ID: id, Body: body})
		a.mu.Lock()
		a.tries++
		if err == nil {
			a.sent++
		}
		a.mu.Unlock()
		if err == nil {
			return true
		}
	}
	return false
}

// counts returns the webhooks acknowledged and tried.
func (a *agent) counts() (sent, tries int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sent, a.tries
}

// effectCount is one kind of effect's tally.
type effectCount struct{ expected, delivered, lost, doubled int }

func (e *effectCount) add(n int) {
	e.expected++
	switch {
	case n == 0:
		e.lost++
	case n == 1:
		e.delivered++
	default:
		e.delivered++
		e.doubled++
	}
}

// effectKinds are the kinds of effect the tally reports, in order.
var effectKinds = []string{"events", "tickets", "opened_notices", "follow_ups", "proposals", "confirmations",
	"attachments", "agent_replies", "status_notices"}

type tally map[string]*effectCount

// missing is the number of effects not (yet) delivered.
func (t tally) missing() int {
	n := 0
	for _, c := range t {
		n += c.lost
	}
	return n
}

// tally counts every kind of effect against w.expect. stored, when not
// nil, is the event check: acknowledged ids, stored ids and rows.
func (w *world) tally(events *effectCount) tally {
	out := tally{}
	for _, k := range effectKinds {
		out[k] = &effectCount{}
	}
	if events != nil {
		out["events"] = events
	}
	tickets := map[string]int{}
	bodies := map[string]string{}
	for _, tk := range w.sink.Tickets() {
		tickets[tk.Conversation]++
		bodies[tk.Conversation] += strings.Join(tk.Bodies, "\n") + "\n"
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	convs := make([]string, 0, len(w.expect))
	for c := range w.expect {
		convs = append(convs, c)
	}
	slices.Sort(convs)
	for _, c := range convs {
		e := w.expect[c]
		out["tickets"].add(tickets[c])
		out["opened_notices"].add(w.opened[c])
		for _, line := range e.followUps {
			out["follow_ups"].add(strings.Count(bodies[c], line))
		}
		if e.confirm {
			out["proposals"].add(w.proposals[c])
			out["confirmations"].add(tickets[c])
		}
		if e.attachment != "" {
			out["attachments"].add(strings.Count(bodies[c], attachmentNote(e.attachment)))
			out["agent_replies"].add(w.agentReplies[c])
			out["status_notices"].add(w.statusNotices[c])
		}
	}
	return out
}

// eventCount compares the acknowledged events with the store's.
func eventCount(t *testing.T, d *db, acked []string) *effectCount {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stored, rows, err := d.storedEvents(ctx)
	if err != nil {
		t.Fatalf("stored events: %v", err)
	}
	e := &effectCount{expected: len(acked), doubled: rows - len(stored)}
	for _, id := range acked {
		if stored[id] {
			e.delivered++
			continue
		}
		e.lost++
		if e.lost <= 5 {
			t.Logf("acknowledged event %s is not stored", id)
		}
	}
	return e
}

// effects checks 0 lost and 0 doubled for every kind and renders the
// tally for the RESULT line.
func (r *rig) effects(ld *load) string {
	t := r.t
	t.Helper()
	tl := r.w.tally(eventCount(t, r.database(), ld.ackedIDs()))
	var b strings.Builder
	for _, k := range effectKinds {
		c := tl[k]
		if c.expected == 0 {
			continue
		}
		fmt.Fprintf(&b, " %s=%d/%d/%d/%d", k, c.expected, c.delivered, c.lost, c.doubled)
		if c.lost != 0 || c.doubled != 0 {
			t.Errorf("%s: %d expected, %d delivered, %d lost, %d doubled", k, c.expected, c.delivered, c.lost, c.doubled)
		}
	}
	if r.w.agent != nil {
		sent, tries := r.w.agent.counts()
		fmt.Fprintf(&b, " agent_webhooks=%d agent_webhook_tries=%d", sent, tries)
	}
	fmt.Fprintf(&b, " file_fetches=%d", r.w.files.fetches.Load())
	return strings.TrimSpace(b.String())
}
