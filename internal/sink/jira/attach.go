package jira

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// errOverLimit stops the upload stream when the body outgrows the limit.
var errOverLimit = errors.New("attachment over the limit")

// Attach uploads body as the multipart field "file", streaming it through
// a pipe so it is never held whole. Files over max_attachment_bytes (by
// their declared size or by what is actually read) and Jira's 413 give
// sink.ErrTooLarge.
func (s *Sink) Attach(ctx context.Context, ref core.TicketRef, f core.File, body io.Reader) error {
	const op = "attach file"
	if ref.Key == "" {
		return &core.CallError{Op: op, Permanent: true, Err: errNoKey}
	}
	limit := s.s.MaxAttachmentBytes
	if f.Size > limit {
		return fmt.Errorf("%s %q (%d bytes, limit %d): %w", op, f.Name, f.Size, limit, sink.ErrTooLarge)
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	var over atomic.Bool
	go func() {
		pw.CloseWithError(writePart(mw, f, body, limit, &over))
	}()
	// However the request ends, unblock the writer goroutine.
	defer pr.Close()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.s.URL+"/rest/api/3/issue/"+url.PathEscape(ref.Key)+"/attachments", pr)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	// Jira refuses multipart posts without it (its XSRF check).
	req.Header.Set("X-Atlassian-Token", "no-check")
	var out []struct {
		ID string `json:"id"`
	}
	err = s.c.send(op, req, &out)
	var ce *core.CallError
	switch {
	case over.Load():
		return fmt.Errorf("%s %q: more than %d bytes: %w", op, f.Name, limit, sink.ErrTooLarge)
	case errors.As(err, &ce) && ce.Status == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%s %q: %w: %w", op, f.Name, sink.ErrTooLarge, err)
	}
	return err
}

func writePart(mw *multipart.Writer, f core.File, body io.Reader, limit int64, over *atomic.Bool) error {
	h := textproto.MIMEHeader{}
	name := f.Name
	if name == "" {
		name = "attachment"
	}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+escapeQuotes(name)+`"`)
	ct := f.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	// Read one byte past the limit to tell "exactly at" from "over".
	n, err := io.Copy(part, io.LimitReader(body, limit+1))
	if err != nil {
		return fmt.Errorf("read attachment: %w", err)
	}
	if n > limit {
		over.Store(true)
		return errOverLimit
	}
	return mw.Close()
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }

// FindAttachment looks for a file an earlier attempt uploaded, by name and
// size among the issue's attachments (GET issue?fields=attachment): Jira
// keeps no description or property of ours beside a file.
func (s *Sink) FindAttachment(ctx context.Context, ref core.TicketRef, f core.File) (bool, error) {
	const op = "find attachment"
	if ref.Key == "" {
		return false, &core.CallError{Op: op, Permanent: true, Err: errNoKey}
	}
	var is Issue
	if err := s.c.call(ctx, op, "GET", "/rest/api/3/issue/"+url.PathEscape(ref.Key)+"?fields=attachment", nil, &is); err != nil {
		return false, err
	}
	for _, a := range is.Fields.Attachment {
		if a.Filename == f.Name && a.Size == f.Size {
			return true, nil
		}
	}
	return false, nil
}
