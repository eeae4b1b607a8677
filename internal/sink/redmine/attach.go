package redmine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// errOverLimit stops the upload stream when the body outgrows the limit.
var errOverLimit = errors.New("attachment over the limit")

// Attach streams body to /uploads.json, which answers a token, then adds
// the token to the issue with a PUT. Files over max_attachment_bytes (by
// declared size or by what is read) and Redmine's own refusal of the size
// give sink.ErrTooLarge.
func (s *Sink) Attach(ctx context.Context, ref core.TicketRef, f core.File, body io.Reader) error {
	const op = "upload file"
	id, err := issueID(op, ref)
	if err != nil {
		return err
	}
	limit := s.s.MaxAttachmentBytes
	if f.Size > limit {
		return fmt.Errorf("%s %q (%d bytes, limit %d): %w", op, f.Name, f.Size, limit, sink.ErrTooLarge)
	}
	name := f.Name
	if strings.TrimSpace(name) == "" {
		name = "attachment"
	}
	var over atomic.Bool
	lr := &limitedReader{r: body, left: limit, over: &over}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.s.URL+"/uploads.json?filename="+url.QueryEscape(name), lr)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	// Redmine takes the file as the raw body, never multipart.
	req.Header.Set("Content-Type", "application/octet-stream")
	if f.Size > 0 {
		req.ContentLength = f.Size
	}
	var up UploadAnswer
	err = s.c.send(op, req, &up)
	var ce *core.CallError
	switch {
	case over.Load():
		return fmt.Errorf("%s %q: more than %d bytes: %w", op, f.Name, limit, sink.ErrTooLarge)
	case errors.As(err, &ce) && tooLarge(ce):
		return fmt.Errorf("%s %q: %w: %w", op, f.Name, sink.ErrTooLarge, err)
	case err != nil:
		return err
	case up.Upload.Token == "":
		return &core.CallError{Op: op, Status: 201, Message: "answer has no upload token"}
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	put := IssueWrite{Issue: IssueFields{Uploads: []Upload{{Token: up.Upload.Token, Filename: name, ContentType: ct}}}}
	return s.c.call(ctx, "attach file", "PUT", "/issues/"+id+".json", put, nil)
}

// tooLarge says whether Redmine refused an upload for its size: 413 from
// a proxy, or Redmine's 422 "exceeds the maximum allowed file size".
func tooLarge(ce *core.CallError) bool {
	return ce.Status == http.StatusRequestEntityTooLarge ||
		ce.Status == http.StatusUnprocessableEntity && strings.Contains(strings.ToLower(ce.Message), "size")
}

// limitedReader reads at most left bytes and fails, flagging over, on
// the first byte past them.
type limitedReader struct {
	r    io.Reader
	left int64
	over *atomic.Bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, errOverLimit
	}
	// Ask for one byte past the limit to tell "exactly at" from "over".
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.over.Store(true)
		return 0, errOverLimit
	}
	return n, err
}
