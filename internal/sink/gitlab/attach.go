package gitlab

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
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	var over atomic.Bool
	go func() { pw.CloseWithError(writePart(mw, name, f.ContentType, body, limit, &over)) }()
	defer pr.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.c.base+s.projectPath()+"/uploads", pr)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var up Upload
	err = s.c.send(op, req, &up)
	var ce *core.CallError
	switch {
	case over.Load():
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
	return s.note(ctx, "attach file", ref, "Attachment from the chat: "+up.Markdown, true)
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")

func writePart(mw *multipart.Writer, name, ct string, body io.Reader, limit int64, over *atomic.Bool) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+quoteEscaper.Replace(name)+`"`)
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
