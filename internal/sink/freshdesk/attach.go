package freshdesk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync/atomic"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

var errOverLimit = errors.New("attachment over the limit")

// Attach adds a private note with the file as attachments[], streamed as
// multipart. Freshdesk allows 20 MB per request; over our limit or its
// 413 the file is sink.ErrTooLarge.
func (s *Sink) Attach(ctx context.Context, ref core.TicketRef, f core.File, body io.Reader) error {
	const op = "attach file"
	id, err := ticketID(op, ref)
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
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	var over atomic.Bool
	go func() { pw.CloseWithError(writeNote(mw, name, f.ContentType, body, limit, &over)) }()
	defer pr.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.c.base+"/tickets/"+id+"/notes", pr)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	err = s.c.send(op, req, nil)
	var ce *core.CallError
	switch {
	case over.Load():
		return fmt.Errorf("%s %q: more than %d bytes: %w", op, f.Name, limit, sink.ErrTooLarge)
	case errors.As(err, &ce) && ce.Status == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%s %q: %w: %w", op, f.Name, sink.ErrTooLarge, err)
	}
	return err
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")

func writeNote(mw *multipart.Writer, name, ct string, body io.Reader, limit int64, over *atomic.Bool) error {
	for k, v := range map[string]string{"body": "Attachment from the chat: " + name, "private": "true"} {
		if err := mw.WriteField(k, v); err != nil {
			return err
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="attachments[]"; filename="`+quoteEscaper.Replace(name)+`"`)
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
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
