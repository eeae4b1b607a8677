package freshdesk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

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
	up := sinkhttp.Stream(sinkhttp.Part{Field: "attachments[]", Name: name, ContentType: f.ContentType, Body: body, Limit: limit,
		Fields: map[string]string{"body": sinkhttp.Marked("Attachment from the chat: "+name, f.Key, sinkhttp.Visible), "private": "true"}})
	defer up.Body.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.c.Base+"/tickets/"+id+"/notes", up.Body)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", up.ContentType)
	err = s.c.Send(op, req, nil)
	var ce *core.CallError
	switch {
	case up.Over():
		return fmt.Errorf("%s %q: more than %d bytes: %w", op, f.Name, limit, sink.ErrTooLarge)
	case errors.As(err, &ce) && ce.Status == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%s %q: %w: %w", op, f.Name, sink.ErrTooLarge, err)
	}
	return err
}
