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

	mu      sync.Mutex
	acked   map[string]bool
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
		client: &http.Client{Transport: tr, Timeout: 3 * time.Second},
		acked:  map[string]bool{},
	}
}

func (l *load) total() int { return l.convs * l.perConv }

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
	for seq := range l.total() {
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
	if err == nil {
		err = ctx.Err()
	}
	l.mu.Lock()
	n := len(l.acked)
	l.mu.Unlock()
	if err == nil && n != l.total() {
		err = fmt.Errorf("%d of %d events acknowledged", n, l.total())
	}
	return err
}

// deliver posts event seq until it is acknowledged, each try freshly
// signed and sent to the next target (a load balancer moving on).
func (l *load) deliver(ctx context.Context, seq int) {
	c, n := seq%l.convs, seq/l.convs
	text := loadgen.TicketText
	if n > 0 {
		text = chatter[(n-1)%len(chatter)]
	}
	// A fixed struct of strings always encodes.
	body, _ := json.Marshal(generic.Event{
		Type:         "message",
		Conversation: generic.Conversation{ID: l.conversation(c)},
		Sender:       generic.Sender{ID: l.conversation(c), Name: "Fault " + strconv.Itoa(c), Role: "customer"},
		Text:         text,
	})
	id := l.eventID(seq)
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
