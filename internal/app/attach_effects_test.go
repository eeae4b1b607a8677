package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/app"
	"github.com/ticketbridge/ticketbridge/internal/config"
	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

// loseFirstAttachment does what a ticket system does when the answer to
// the first attachment effect is lost: the note about a file (on the
// desk, which takes no uploads) or the upload itself (when upload is set)
// is kept, and the call fails. Uploads are held here, by name and size,
// the way a system lists a ticket's files.
type loseFirstAttachment struct {
	sink.Sink
	upload bool

	mu    sync.Mutex
	lost  bool
	files []core.File
}

func (l *loseFirstAttachment) Unwrap() sink.Sink { return l.Sink }

// lose reports whether this is the first effect, whose answer is lost.
func (l *loseFirstAttachment) lose() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	first := !l.lost
	l.lost = true
	return first
}

var errLostAnswer = &core.CallError{Op: "attach", Status: http.StatusBadGateway, Message: "the answer was lost"}

func (l *loseFirstAttachment) Comment(ctx context.Context, ref core.TicketRef, c core.Comment) error {
	if err := l.Sink.Comment(ctx, ref, c); err != nil {
		return err
	}
	if !l.upload && strings.HasPrefix(c.Body, "Attachment ") && l.lose() {
		return errLostAnswer
	}
	return nil
}

// uploading is loseFirstAttachment for a system that takes uploads and
// can list a ticket's files.
type uploading struct{ *loseFirstAttachment }

func (u uploading) Attach(_ context.Context, _ core.TicketRef, f core.File, body io.Reader) error {
	n, err := io.Copy(io.Discard, body)
	if err != nil {
		return err
	}
	f.Size = n
	u.mu.Lock()
	u.files = append(u.files, f)
	u.mu.Unlock()
	if u.lose() {
		return errLostAnswer
	}
	return nil
}

func (u uploading) FindAttachment(_ context.Context, _ core.TicketRef, f core.File) (bool, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, g := range u.files {
		if g.Name == f.Name && g.Size == f.Size {
			return true, nil
		}
	}
	return false, nil
}

func (u uploading) uploads() []core.File {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]core.File(nil), u.files...)
}

// attachmentHarness starts the app with wrap around the desk and sends a
// /ticket with one small file.
func attachmentHarness(t *testing.T, st store.Store, wrap func(sink.Sink) sink.Sink) *harness {
	t.Helper()
	shot := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("pixels"), 100)...)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(shot) }))
	t.Cleanup(files.Close)
	h := start(t, st, func(cfg *config.Config, opts *app.Options) {
		cfg.Blob.Dir = t.TempDir()
		cfg.Jobs.MaxAttempts = 5
		opts.WrapSink = wrap
	})
	h.app.Links.BaseURL = h.srv.URL
	ev := customerEvent("att1", "/ticket the checkout page shows this error")
	ev.Attachments = []core.Attachment{{ID: "photo/1.png", Name: "shot.png", URL: files.URL + "/shot.png"}}
	h.send("att1", ev)
	h.replies(1)
	return h
}

// The note that stands for a file, written just before its answer was
// lost, is found by its key on the retry and not written again (issue
// #10, 3: attachments doubled by a lost response).
func TestAttachmentNoteNotDoubledByARetry(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		h := attachmentHarness(t, st, func(s sink.Sink) sink.Sink { return &loseFirstAttachment{Sink: s} })
		key := h.tickets()[0].Key
		h.eventually("the retry to find the note (or write it again)", func() bool {
			return h.metric(`ticketbridge_effect_retries_total{connector="desk",effect="attachment",result="found"}`) >= 1 ||
				strings.Count(allComments(t, h, key), `Attachment "shot.png"`) > 1
		})
		body := allComments(t, h, key)
		if n := strings.Count(body, `Attachment "shot.png"`); n != 1 {
			t.Fatalf("%d notes about shot.png, want 1:\n%s", n, body)
		}
	})
}

// An upload whose answer was lost is found on the ticket by name and
// size on the retry and not uploaded again.
func TestAttachmentUploadNotDoubledByARetry(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		var up uploading
		h := attachmentHarness(t, st, func(s sink.Sink) sink.Sink {
			up = uploading{&loseFirstAttachment{Sink: s, upload: true}}
			return up
		})
		h.eventually("the retry to find the upload (or upload again)", func() bool {
			return h.metric(`ticketbridge_effect_retries_total{connector="desk",effect="attachment",result="found"}`) >= 1 ||
				len(up.uploads()) > 1
		})
		files := up.uploads()
		if len(files) != 1 || files[0].Name != "shot.png" || !strings.HasPrefix(files[0].Key, "tb-attach-") {
			t.Fatalf("uploads = %+v, want shot.png once, with its key", files)
		}
		if body := allComments(t, h, h.tickets()[0].Key); strings.Contains(body, "Attachment ") {
			t.Fatalf("a note was written besides the upload:\n%s", body)
		}
	})
}
