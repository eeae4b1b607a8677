package gitlab

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

// Attach uploads the file to the project (multipart field "file",
// streamed) and posts an internal note with the markdown GitLab answers,
// which is how files get onto an issue. Over the limit, or GitLab's 413,
// is sink.ErrTooLarge.
func (s *Sink) Attach(ctx context.Context, ref core.TicketRef, f core.File, body io.Reader) error {
	const op = "upload file"
	if _, err := issueIID(op, ref); err != nil {
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
	stream := sinkhttp.Stream(sinkhttp.Part{Field: "file", Name: name, ContentType: f.ContentType, Body: body, Limit: limit})
	defer stream.Body.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.c.Base+s.projectPath()+"/uploads", stream.Body)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", stream.ContentType)
	var up Upload
	err = s.c.Send(op, req, &up)
	var ce *core.CallError
	switch {
	case stream.Over():
		return fmt.Errorf("%s %q: more than %d bytes: %w", op, f.Name, limit, sink.ErrTooLarge)
	case errors.As(err, &ce) && ce.Status == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%s %q: %w: %w", op, f.Name, sink.ErrTooLarge, err)
	case err != nil:
		return err
	case up.Markdown == "":
		return &core.CallError{Op: op, Status: 201, Message: "answer has no markdown"}
	}
	// The note is internal: the file came from the chat, whose people
	// may not all be meant to see each other's files in a public project.
	return s.note(ctx, "attach file", ref, "Attachment from the chat: "+up.Markdown, f.Key, true)
}
