package redmine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
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
	var rd io.Reader = &limitedReader{r: body, left: limit, over: &over}
	size := f.Size
	if size <= 0 {
		// Redmine behind Rack stores a chunked upload as an empty file and
		// says nothing, so a body of unknown size is spooled to disk first
		// to learn its length.
		spooled, n, err := spool(rd)
		if over.Load() {
			return fmt.Errorf("%s %q: more than %d bytes: %w", op, f.Name, limit, sink.ErrTooLarge)
		}
		if err != nil {
			return &core.CallError{Op: op, Err: err}
		}
		defer spooled.Close()
		rd, size = spooled, n
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.s.URL+"/uploads.json?filename="+url.QueryEscape(name), rd)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	// Redmine takes the file as the raw body, never multipart.
	req.Header.Set("Content-Type", "application/octet-stream")
	req.ContentLength = size
	if size == 0 {
		req.Body = http.NoBody
	}
	var up UploadAnswer
	err = s.c.Send(op, req, &up)
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
	put := IssueWrite{Issue: IssueFields{Uploads: []Upload{{Token: up.Upload.Token, Filename: name, ContentType: ct, Description: f.Key}}}}
	return s.c.JSON(ctx, "attach file", "PUT", "/issues/"+id+".json", put, nil)
}

// FindAttachment looks for a file an earlier attempt attached, among the
// issue's attachments (include=attachments): by its description, where
// Attach puts the effect's key, or, for a file without a key, by name and
// size. An upload whose token never reached the issue is not on it, and
// is sent again.
func (s *Sink) FindAttachment(ctx context.Context, ref core.TicketRef, f core.File) (bool, error) {
	is, err := s.issue(ctx, ref, "attachments")
	if err != nil {
		return false, err
	}
	for _, a := range is.Attachments {
		if f.Key != "" && a.Description == f.Key || f.Key == "" && a.Filename == f.Name && a.Filesize == f.Size {
			return true, nil
		}
	}
	return false, nil
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

// spool copies r into an unlinked temporary file and returns it rewound,
// with its length; closing it frees the space.
func spool(r io.Reader) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "ticketbridge-redmine-upload-*")
	if err != nil {
		return nil, 0, fmt.Errorf("spool attachment: %w", err)
	}
	_ = os.Remove(f.Name())
	n, err := io.Copy(f, r)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("spool attachment: %w", err)
	}
	return f, n, nil
}
