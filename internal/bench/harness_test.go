package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/source/generic"
	"github.com/ticketbridge/ticketbridge/internal/stdwebhook"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/postgres"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// backends are the stores every benchmark runs on.
var backends = []struct {
	name string
	open func(testing.TB) store.Store
}{
	{"sqlite", func(tb testing.TB) store.Store { return teststore.SQLite(tb) }},
	{"postgres", func(tb testing.TB) store.Store { return teststore.Postgres(tb, postgres.WarmPools()) }},
}

// harness is one ticketbridge (the embedded default config: one generic
// source, the local desk, the default route) serving on a real loopback
// listener, with a chat that takes its replies.
type harness struct {
	app    *app.App
	base   string
	source string
	key    stdwebhook.Secret
	client *http.Client
	seq    atomic.Int64
	// created marks a ticket's requester id when the desk's Create
	// returns; replied marks a conversation when its first reply arrives.
	created *Stamps
	replied *Stamps
}

// newHarness builds the app on a fresh store; workers says whether the
// job workers run. Everything stops at b's cleanup.
func newHarness(b *testing.B, st store.Store, workers bool) *harness {
	b.Helper()
	ctx := context.Background()
	h := &harness{created: NewStamps(), replied: NewStamps()}
	chat := httptest.NewServer(http.HandlerFunc(h.receiveReply))
	b.Cleanup(chat.Close)

	secret, err := stdwebhook.NewSecret()
	if err != nil {
		b.Fatal(err)
	}
	if h.key, err = stdwebhook.ParseSecret(secret); err != nil {
		b.Fatal(err)
	}
	cfg := config.Default(b.TempDir())
	cfg.Sources[0].Set("secret", secret)
	cfg.Sources[0].Set("reply_url", chat.URL+"/replies")
	h.source = cfg.Sources[0].ID

	h.app, err = app.New(ctx, cfg, app.Options{
		Log:   slog.New(slog.DiscardHandler),
		Store: st,
		WrapSink: func(s sink.Sink) sink.Sink {
			return &stampSink{Sink: s, created: h.created}
		},
	})
	if err != nil {
		b.Fatalf("app.New: %v", err)
	}
	if workers {
		if err := h.app.Start(ctx); err != nil {
			b.Fatalf("app.Start: %v", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srvCtx, stop := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = h.app.Serve(srvCtx, ln)
	}()
	h.base = "http://" + ln.Addr().String()
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, DisableCompression: true}
	h.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	b.Cleanup(func() {
		tr.CloseIdleConnections()
		stop()
		<-served
		if err := h.app.Close(ctx); err != nil {
			b.Errorf("app.Close: %v", err)
		}
	})
	return h
}

// stampSink marks the requester of every ticket it creates.
type stampSink struct {
	sink.Sink
	created *Stamps
}

// deskInTx is the local desk's creation inside the ingest transaction
// (jobs/inline.go).
type deskInTx interface {
	CreateInTx(t core.TicketDraft, link func(core.TicketRef, bool) (store.TicketLinking, error)) (store.DeskCreation, func())
}

// CreateInTx stamps a ticket made inside the ingest transaction once that
// committed.
func (s *stampSink) CreateInTx(t core.TicketDraft, link func(core.TicketRef, bool) (store.TicketLinking, error)) (store.DeskCreation, func()) {
	inner, ok := sink.As[deskInTx](s.Sink)
	if !ok {
		return store.DeskCreation{Draft: t, Link: func(store.DeskTicket, bool) (store.TicketLinking, error) {
			return store.TicketLinking{}, errors.New("the benchmark's sink cannot create inside a transaction")
		}}, nil
	}
	c, then := inner.CreateInTx(t, link)
	return c, func() {
		if then != nil {
			then()
		}
		s.created.Mark(t.Requester.ID, time.Now())
	}
}

func (s *stampSink) Create(ctx context.Context, t core.TicketDraft) (core.TicketRef, error) {
	ref, err := s.Sink.Create(ctx, t)
	if err == nil {
		s.created.Mark(t.Requester.ID, time.Now())
	}
	return ref, err
}

// CreateLinked stamps the local desk's creation, made in the same commit
// as its link's record (sink.LinkedCreator).
func (s *stampSink) CreateLinked(ctx context.Context, t core.TicketDraft, link func(core.TicketRef, bool) (store.TicketLinking, error)) (core.TicketRef, error) {
	lc, ok := sink.As[sink.LinkedCreator](s.Sink)
	if !ok {
		return core.TicketRef{}, errors.New("the benchmark's sink cannot create linked tickets")
	}
	ref, err := lc.CreateLinked(ctx, t, link)
	if err == nil {
		s.created.Mark(t.Requester.ID, time.Now())
	}
	return ref, err
}

// receiveReply is the chat's reply endpoint. It does not verify
// signatures (generictest.Chat does, in the functional tests); here it
// only notes when each conversation first heard back.
func (h *harness) receiveReply(w http.ResponseWriter, r *http.Request) {
	var rep generic.Reply
	if err := json.NewDecoder(r.Body).Decode(&rep); err != nil {
		http.Error(w, `{"message":"not json"}`, http.StatusBadRequest)
		return
	}
	h.replied.Mark(rep.Conversation.ID, time.Now())
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"id":"m"}`))
}

// signed is a webhook request prepared ahead, so the benchmark loop spends
// no client CPU on JSON or HMAC (client and server share the two cores).
type signed struct {
	body []byte
	hdr  http.Header
}

// sign prepares a message event from sender in conversation.
func (h *harness) sign(b *testing.B, conversation, sender, text string) signed {
	ev := generic.Event{
		Type:         "message",
		Conversation: generic.Conversation{ID: conversation},
		Sender:       generic.Sender{ID: sender, Name: "Customer " + sender, Role: "customer"},
		Text:         text,
	}
	body, err := json.Marshal(ev)
	if err != nil {
		b.Fatal(err)
	}
	// The counts (Accept) let post check that each event was new.
	hdr := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}
	id := fmt.Sprintf("bench-%d", h.seq.Add(1))
	stdwebhook.SetHeaders(hdr, h.key, id, time.Now(), body)
	return signed{body: body, hdr: hdr}
}

// post sends one prepared event and checks it was accepted as new.
func (h *harness) post(ctx context.Context, s signed) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.base+"/hooks/im/"+h.source, bytes.NewReader(s.body))
	if err != nil {
		return err
	}
	req.Header = s.hdr
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"accepted":1`)) {
		return fmt.Errorf("answer %s: %s", resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// batchStats is the ingest batch histogram's sum and count, read from the
// app's own /metrics like an operator would.
type batchStats struct{ sum, count float64 }

func (h *harness) batchStats(b *testing.B) batchStats {
	resp, err := h.client.Get(h.base + "/metrics")
	if err != nil {
		b.Fatalf("get metrics: %v", err)
	}
	defer resp.Body.Close()
	var st batchStats
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		switch name {
		case "ticketbridge_ingest_batch_events_sum":
			st.sum, _ = strconv.ParseFloat(val, 64)
		case "ticketbridge_ingest_batch_events_count":
			st.count, _ = strconv.ParseFloat(val, 64)
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatalf("read metrics: %v", err)
	}
	return st
}

// since is the mean batch size between s and later.
func (s batchStats) since(later batchStats) float64 {
	if later.count == s.count {
		return 0
	}
	return (later.sum - s.sum) / (later.count - s.count)
}
