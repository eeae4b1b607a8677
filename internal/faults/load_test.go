package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/loadgen"
	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// chatter follows the "/ticket" line in every conversation; the route
// appends it to the ticket.
var chatter = [...]string{"thanks, waiting for news", "any update?", "photo is on its way"}

// load is a platform that delivers signed generic events and, like a real
// one, resends a delivery (same webhook-id) until it gets a 2xx. Event
// seq goes to conversation seq mod convs, so every conversation's
// "/ticket" is offered before any chatter.
type load struct {
	targets []func() string // base URLs; a replica's may change
	key     stdwebhook.Secret
	run     string
	convs   int
	perConv int
	client  *http.Client

	// mixed is the mixed scenario (see mixed_test.go): plan holds its
	// static events, extra the ones the chat's answers cause, sent by
	// reactions (a "yes" to a proposal, a photo once the ticket is open).
	mixed   *mixedPlan
	dynamic sync.WaitGroup

	mu      sync.Mutex
	ctx     context.Context // send's, for the reactions' deliveries
	acked   map[string]bool
	reacted map[string]bool
	tries   int
	resends atomic.Int64
	// lastAck is when the last event was acknowledged.
	lastAck time.Time
}

func newLoad(t *testing.T, convs, perConv int, targets ...func() string) *load {
	t.Helper()
	key, err := stdwebhook.ParseSecret(loadgen.DefaultSecret)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &load{
		targets: targets, key: key, run: strconv.FormatInt(time.Now().UnixNano()%1e9, 36),
		convs: convs, perConv: perConv,
		// Platforms give 3–5 s before they count a delivery as lost.
		client:  &http.Client{Transport: tr, Timeout: 3 * time.Second},
		acked:   map[string]bool{},
		reacted: map[string]bool{},
	}
}

// total is the number of events the load will have sent when done.
func (l *load) total() int {
	if l.mixed != nil {
		return len(l.mixed.static) + l.mixed.extra
	}
	return l.convs * l.perConv
}

// statics is the number of events sent at the paced rate.
func (l *load) statics() int {
	if l.mixed != nil {
		return len(l.mixed.static)
	}
	return l.convs * l.perConv
}

func (l *load) conversation(c int) string { return "fz-" + l.run + "-" + strconv.Itoa(c) }

func (l *load) eventID(seq int) string { return "fz-" + l.run + "-e" + strconv.Itoa(seq) }

// conversations lists every conversation id; each opens a ticket.
func (l *load) conversations() []string {
	out := make([]string, l.convs)
	for c := range out {
		out[c] = l.conversation(c)
	}
	return out
}

// expectations says what each conversation must end up with.
func (l *load) expectations() map[string]convExpect {
	if l.mixed != nil {
		return l.mixed.expect
	}
	out := make(map[string]convExpect, l.convs)
	for _, c := range l.conversations() {
		out[c] = convExpect{followUps: l.followUps()}
	}
	return out
}

// followUps are the lines each conversation says after its "/ticket".
func (l *load) followUps() []string {
	var out []string
	for n := 1; n < l.perConv; n++ {
		out = append(out, chatter[(n-1)%len(chatter)])
	}
	return out
}

// ackedIDs returns the acknowledged event ids.
func (l *load) ackedIDs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.acked))
	for id := range l.acked {
		out = append(out, id)
	}
	return out
}

// send offers every event at rate per second from workers goroutines and
// returns when all are acknowledged or ctx ends.
func (l *load) send(ctx context.Context, rate float64, workers int) error {
	l.mu.Lock()
	l.ctx = ctx
	l.mu.Unlock()
	seqs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for seq := range seqs {
				l.deliver(ctx, seq)
			}
		})
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	var err error
feed:
	for seq := range l.statics() {
		select {
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		case <-tick.C:
		}
		select {
		case seqs <- seq:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(seqs)
	wg.Wait()
	// The events the chat's answers cause come later; wait for them (or
	// for the end) before counting.
	for err == nil && l.ackedCount() < l.total() {
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	n := l.ackedCount()
	if err == nil && n != l.total() {
		err = fmt.Errorf("%d of %d events acknowledged", n, l.total())
	}
	return err
}

func (l *load) ackedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// deliver posts static event seq until it is acknowledged.
func (l *load) deliver(ctx context.Context, seq int) {
	if l.mixed != nil {
		p := l.mixed.static[seq]
		l.deliverEvent(ctx, seq, p.id, l.event(p))
		return
	}
	c, n := seq%l.convs, seq/l.convs
	text := loadgen.TicketText
	if n > 0 {
		text = chatter[(n-1)%len(chatter)]
	}
	l.deliverEvent(ctx, seq, l.eventID(seq), l.event(planned{conv: c, text: text}))
}

// event is the body of a planned event.
func (l *load) event(p planned) []byte {
	ev := generic.Event{
		Type:         "message",
		Conversation: generic.Conversation{ID: l.conversation(p.conv)},
		Sender:       generic.Sender{ID: l.conversation(p.conv), Name: "Fault " + strconv.Itoa(p.conv), Role: "customer"},
		Text:         p.text,
	}
	if p.attachment != nil {
		ev.Attachments = []core.Attachment{*p.attachment}
	}
	// A fixed struct of strings always encodes.
	body, _ := json.Marshal(ev)
	return body
}

// later delivers an event a reaction caused, once per id, in the
// background; send waits for it.
func (l *load) later(p planned) {
	l.mu.Lock()
	ctx := l.ctx
	if ctx == nil || l.reacted[p.id] {
		l.mu.Unlock()
		return
	}
	l.reacted[p.id] = true
	l.mu.Unlock()
	l.dynamic.Go(func() { l.deliverEvent(ctx, p.conv, p.id, l.event(p)) })
}

// deliverEvent posts one event until it is acknowledged, each try
// freshly signed and sent to the next target (a load balancer moving on).
func (l *load) deliverEvent(ctx context.Context, seq int, id string, body []byte) {
	for try := 0; ctx.Err() == nil; try++ {
		if try > 0 {
			l.resends.Add(1)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Duration(100+50*min(try, 10)) * time.Millisecond):
			}
		}
		target := l.targets[(seq+try)%len(l.targets)]()
		if l.post(ctx, target, id, body) {
			l.mu.Lock()
			l.acked[id] = true
			l.lastAck = time.Now()
			l.mu.Unlock()
			return
		}
	}
}

func (l *load) post(ctx context.Context, target, id string, body []byte) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target+"/hooks/im/chat", bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	stdwebhook.SetHeaders(req.Header, l.key, id, time.Now(), body)
	resp, err := l.client.Do(req)
	l.mu.Lock()
	l.tries++
	l.mu.Unlock()
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}

// fixed returns a target that never moves.
func fixed(url string) func() string { return func() string { return url } }
