package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/loadgen"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
)

// world is loadgen's fake ticket system and chat, the ticket system behind
// a fault switch that logs every request.
type world struct {
	sink   *loadgen.FakeSink
	chat   *loadgen.FakeChat
	faults *faultSwitch
	sinkURL,
	chatURL string

	// files serves the attachments' bytes, agent is the ticket system's
	// agents answering and solving (mixed scenario only).
	files *fileServer
	agent *agent

	mu     sync.Mutex
	opened map[string]int // conversation → "is open" notices (deduped by webhook-id)
	// proposals, agentReplies and statusNotices count the other replies
	// per conversation: the yes/no question, an agent's comment passed
	// on, the "is now resolved" notice.
	proposals, agentReplies, statusNotices map[string]int
	other                                  int // any other reply
	// expect is what each conversation must end up with: the lines it
	// said after its ticket was asked for, each on the ticket once, and
	// the mixed scenario's other effects.
	expect map[string]convExpect
	// react, when set, is told of each reply (the platform's users
	// answering what they see).
	react func(loadgen.Reply)
}

func newWorld(t *testing.T) *world {
	t.Helper()
	sinkKey, err := stdwebhook.ParseSecret(loadgen.DefaultSinkSecret)
	if err != nil {
		t.Fatal(err)
	}
	replyKey, err := stdwebhook.ParseSecret(loadgen.DefaultSecret)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{opened: map[string]int{}, proposals: map[string]int{}, agentReplies: map[string]int{}, statusNotices: map[string]int{}}
	w.files = newFileServer(t)
	w.faults = &faultSwitch{log: map[string][]hit{}, statuses: map[int]int{}}
	// The sink needs its own URL for ticket links, so the server starts
	// first and the handler is filled in before any request can come.
	sinkSrv := httptest.NewServer(w.faults)
	t.Cleanup(sinkSrv.Close)
	w.sinkURL = sinkSrv.URL
	w.sink = loadgen.NewFakeSink(sinkKey, loadgen.Profile{}, w.sinkURL, nil)
	w.faults.setNext(w.sink)
	w.chat = loadgen.NewFakeChat(loadgen.FormatGeneric, replyKey, "", w.onReply)
	chatSrv := httptest.NewServer(w.chat)
	t.Cleanup(chatSrv.Close)
	w.chatURL = chatSrv.URL
	return w
}

func (w *world) onReply(r loadgen.Reply) {
	w.mu.Lock()
	switch {
	case r.Prompt != "":
		w.proposals[r.Conversation]++
	case strings.Contains(r.Text, " is open"):
		w.opened[r.Conversation]++
	case strings.Contains(r.Text, agentReplyText):
		w.agentReplies[r.Conversation]++
	case strings.Contains(r.Text, " is now resolved"):
		w.statusNotices[r.Conversation]++
	default:
		w.other++
	}
	react := w.react
	w.mu.Unlock()
	if react != nil {
		react(r)
	}
}

// openedCount is how many "is open" notices conv got.
func (w *world) openedCount(conv string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.opened[conv]
}

// allOpened tells whether every one of convs got its "is open" notice.
func (w *world) allOpened(convs []string) bool {
	for _, c := range convs {
		if w.openedCount(c) == 0 {
			return false
		}
	}
	return true
}

// progress counts the conversations that have their ticket and their
// notice.
func (w *world) progress(convs []string) (tickets, notices int) {
	have := map[string]bool{}
	for _, tk := range w.sink.Tickets() {
		have[tk.Conversation] = true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range convs {
		if have[c] {
			tickets++
		}
		if w.opened[c] > 0 {
			notices++
		}
	}
	return tickets, notices
}

// waitDrained polls until every conversation has a ticket and a notice
// and every other expected effect has arrived, and returns how long that
// took, or false at the limit.
func (w *world) waitDrained(t *testing.T, convs []string, limit time.Duration) (time.Duration, bool) {
	t.Helper()
	start := time.Now()
	next := start.Add(10 * time.Second)
	for time.Since(start) < limit {
		tk, no := w.progress(convs)
		if tk == len(convs) && no == len(convs) && w.tally(nil).missing() == 0 {
			return time.Since(start), true
		}
		if time.Now().After(next) {
			t.Logf("draining: %d/%d tickets, %d/%d notices", tk, len(convs), no, len(convs))
			next = next.Add(10 * time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start), false
}

// exactlyOnce checks one ticket and one opened notice per conversation
// and none elsewhere; it returns a description of each violation.
func (w *world) exactlyOnce(convs []string) []string {
	var bad []string
	want := map[string]bool{}
	for _, c := range convs {
		want[c] = true
	}
	perConv := map[string]int{}
	bodies := map[string]string{}
	for _, tk := range w.sink.Tickets() {
		perConv[tk.Conversation]++
		bodies[tk.Conversation] += strings.Join(tk.Bodies, "\n") + "\n"
		if !want[tk.Conversation] {
			bad = append(bad, "ticket "+tk.Key+" for unknown conversation "+tk.Conversation)
		}
	}
	if d := w.sink.Counts().Duplicates; d != 0 {
		bad = append(bad, strconv.Itoa(d)+" duplicate creations (same external id) at the ticket system")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range convs {
		if n := perConv[c]; n != 1 {
			bad = append(bad, c+": "+strconv.Itoa(n)+" tickets")
		}
		if n := w.opened[c]; n != 1 {
			bad = append(bad, c+": "+strconv.Itoa(n)+" opened notices")
		}
		for _, line := range w.expect[c].followUps {
			if n := strings.Count(bodies[c], line); n != 1 {
				bad = append(bad, fmt.Sprintf("%s: follow-up %q on the ticket %d times", c, line, n))
			}
		}
		bad = append(bad, w.expect[c].check(c, bodies[c], w)...)
	}
	for c, n := range w.opened {
		if !want[c] {
			bad = append(bad, c+": "+strconv.Itoa(n)+" notices for a conversation without /ticket")
		}
	}
	if len(bad) > 20 {
		bad = append(bad[:20], "… and "+strconv.Itoa(len(bad)-20)+" more")
	}
	return bad
}

// hit is one request the ticket system saw.
type hit struct {
	at, answered time.Time
	status       int
}

// window is a period during which every request gets status, with
// Retry-After when retryAfter is set.
type window struct {
	from, to   time.Time
	status     int
	retryAfter time.Duration
}

// faultSwitch sits in front of the fake ticket system: inside its window
// it answers with the window's status itself; it logs every request by
// the ticket it concerns (external id, or ticket key for comments).
type faultSwitch struct {
	mu       sync.Mutex
	next     http.Handler
	win      window
	log      map[string][]hit
	statuses map[int]int
	during   int // requests answered by the window
}

func (f *faultSwitch) setNext(h http.Handler) {
	f.mu.Lock()
	f.next = h
	f.mu.Unlock()
}

func (f *faultSwitch) set(w window) {
	f.mu.Lock()
	f.win = w
	f.mu.Unlock()
}

func (f *faultSwitch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	id := ticketOf(r, body)
	f.mu.Lock()
	win, next := f.win, f.next
	f.mu.Unlock()
	status := 0
	if !at.Before(win.from) && at.Before(win.to) {
		if win.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(win.retryAfter/time.Second)))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(win.status)
		_, _ = io.WriteString(w, `{"error":"injected fault"}`)
		status = win.status
	} else {
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		status = rec.status
	}
	// Logged after the answer is written: a client cannot have read it
	// earlier, so the Retry-After clock starts no sooner than this.
	answered := time.Now()
	f.mu.Lock()
	f.log[id] = append(f.log[id], hit{at: at, answered: answered, status: status})
	f.statuses[status]++
	if !at.Before(win.from) && at.Before(win.to) {
		f.during++
	}
	f.mu.Unlock()
}

// snapshot returns copies of the log and the status counts.
func (f *faultSwitch) snapshot() (map[string][]hit, map[int]int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	log := make(map[string][]hit, len(f.log))
	for k, v := range f.log {
		log[k] = append([]hit(nil), v...)
	}
	st := make(map[int]int, len(f.statuses))
	for k, v := range f.statuses {
		st[k] = v
	}
	return log, st, f.during
}

// ticketOf names the ticket a request concerns.
func ticketOf(r *http.Request, body []byte) string {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/tickets":
		return "ext:" + r.URL.Query().Get("external_id")
	case r.Method == http.MethodPost && r.URL.Path == "/tickets":
		var d struct {
			ExternalID string `json:"external_id"`
		}
		_ = json.Unmarshal(body, &d)
		return "ext:" + d.ExternalID
	case strings.HasPrefix(r.URL.Path, "/tickets/"):
		key, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/tickets/"), "/")
		return "key:" + key
	}
	return "other:" + r.URL.Path
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
