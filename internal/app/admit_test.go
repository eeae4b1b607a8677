package app_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/source/generic/generictest"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// countingBody records how many bytes the server read; started is closed
// at the first read, and reads block until release is closed.
type countingBody struct {
	read    atomic.Int64
	started chan struct{}
	once    sync.Once
	release chan struct{}
	data    *bytes.Reader
}

func newCountingBody(n int, block bool) *countingBody {
	b := &countingBody{started: make(chan struct{}), release: make(chan struct{}), data: bytes.NewReader(bytes.Repeat([]byte("x"), n))}
	if !block {
		close(b.release)
	}
	return b
}

func (b *countingBody) Read(p []byte) (int, error) {
	b.once.Do(func() { close(b.started) })
	<-b.release
	n, err := b.data.Read(p)
	b.read.Add(int64(n))
	return n, err
}

func (b *countingBody) Close() error { return nil }

// Unsigned or badly signed requests are refused from their headers: not
// one byte of the body is read.
func TestUnsignedBodyNotRead(t *testing.T) {
	h := start(t, teststore.SQLite(t))
	stale, _ := generictest.NewRequest(t.Context(), h.srv.URL, "chat", h.key, customerEvent("c", "hi"))
	stale.Header.Set("webhook-timestamp", "1000000000")
	noSig, _ := generictest.NewRequest(t.Context(), h.srv.URL, "chat", h.key, customerEvent("c", "hi"))
	noSig.Header.Del("webhook-signature")
	tests := map[string]struct {
		req    *http.Request
		status int
	}{
		"no headers":   {httptest.NewRequest(http.MethodPost, "/hooks/im/chat", nil), 401},
		"transcript":   {httptest.NewRequest(http.MethodPost, "/hooks/im/chat/transcripts", nil), 401},
		"stale":        {stale, 401},
		"no signature": {noSig, 401},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			body := newCountingBody(1<<20, false)
			req := tt.req.Clone(t.Context())
			req.Body, req.ContentLength = body, 1<<20
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.app.Handler.ServeHTTP(rec, req)
			if rec.Code != tt.status || body.read.Load() != 0 {
				t.Fatalf("%d %s after reading %d bytes, want %d and no read", rec.Code, rec.Body, body.read.Load(), tt.status)
			}
		})
	}
}

// With max_concurrent_bodies 2 and two bodies being read, a third request
// gets 503 with Retry-After and none of its body is read: memory is bounded
// by the cap times max_body_bytes. Once the reads end, requests pass again.
func TestConcurrentBodiesCapped(t *testing.T) {
	h := start(t, teststore.SQLite(t), func(cfg *config.Config, _ *app.Options) { cfg.Server.MaxConcurrentBodies = 2 })
	signed := func(body *countingBody) *http.Request {
		// Signed headers (of another body) pass the header checks; the
		// body is ours, so that its reads can be held and counted.
		src, err := generictest.NewRequest(t.Context(), h.srv.URL, "chat", h.key, customerEvent("cap", "hi"))
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/hooks/im/chat", body)
		req.Header = src.Header
		return req
	}
	var wg sync.WaitGroup
	held := []*countingBody{newCountingBody(4096, true), newCountingBody(4096, true)}
	for _, b := range held {
		wg.Go(func() { h.app.Handler.ServeHTTP(httptest.NewRecorder(), signed(b)) })
		<-b.started
	}
	third := newCountingBody(4096, false)
	rec := httptest.NewRecorder()
	h.app.Handler.ServeHTTP(rec, signed(third))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || third.read.Load() != 0 {
		t.Fatalf("third request: %d Retry-After %q, %d bytes read; want 503 with Retry-After and no read",
			rec.Code, rec.Header().Get("Retry-After"), third.read.Load())
	}
	for _, b := range held {
		close(b.release)
	}
	wg.Wait()
	rec = httptest.NewRecorder()
	h.app.Handler.ServeHTTP(rec, signed(newCountingBody(10, false)))
	if rec.Code == http.StatusServiceUnavailable {
		t.Fatalf("after the reads ended: %d %s", rec.Code, rec.Body)
	}
	if v := h.metric(`ticketbridge_events_total{kind="",result="busy",source="chat"}`); v != 1 {
		t.Errorf("busy refusals counted %v times, want 1", v)
	}
}
