package zendesk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// errOverLimit ends an upload body that grew past the limit.
var errOverLimit = errors.New("file grew past max_attachment_bytes")

// Attach uploads the file to /api/v2/uploads.json (the raw bytes, streamed
// straight from body) and adds a comment carrying the upload's token.
// Files over max_attachment_bytes, known beforehand or found while
// streaming, and Zendesk's own 413 give sink.ErrTooLarge.
func (s *Sink) Attach(ctx context.Context, ref core.TicketRef, f core.File, body io.Reader) error {
	const op = "upload file"
	if _, err := ticketID(op, ref); err != nil {
		return err
	}
	limit := s.set.MaxAttachmentBytes
	if f.Size > limit {
		return fmt.Errorf("%s %q (%d bytes, limit %d): %w", op, f.Name, f.Size, limit, sink.ErrTooLarge)
	}
	name := f.Name
	if name == "" {
		name = "attachment"
	}
	ctype := f.ContentType
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	lr := &limitReader{r: body, left: limit}
	var up Upload
	err := s.do(ctx, call{
		op:            op,
		method:        http.MethodPost,
		path:          "/api/v2/uploads.json?filename=" + url.QueryEscape(name),
		raw:           lr,
		contentType:   ctype,
		contentLength: f.Size,
	}, &up)
	var ce *core.CallError
	switch {
	case lr.over || errors.Is(err, errOverLimit):
		return fmt.Errorf("%s %q (limit %d bytes): %w", op, f.Name, limit, sink.ErrTooLarge)
	case errors.As(err, &ce) && ce.Status == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%s %q: %s: %w", op, f.Name, ce.Message, sink.ErrTooLarge)
	case err != nil:
		return err
	case up.Upload.Token == "":
		return &core.CallError{Op: op, Message: "answer has no upload token"}
	}
	return s.update(ctx, "attach file", ref, TicketUpdate{Comment: &NewComment{
		Body:    sinkhttp.Marked("File from the chat: "+name, f.Key, sinkhttp.Visible),
		Public:  true,
		Uploads: []string{up.Upload.Token},
	}})
}

// limitReader fails the request body once it passes left bytes, so an
// oversize file is cut off instead of read whole.
type limitReader struct {
	r    io.Reader
	left int64
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		l.over = true
		return 0, errOverLimit
	}
	// Read one byte past the limit to tell "exactly the limit" from "more".
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.over = true
		return 0, errOverLimit
	}
	return n, err
}
