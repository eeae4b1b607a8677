package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

// Attach uploads the file as a Gitea issue asset (multipart field
// "attachment"), streamed through a pipe. Over max_attachment_bytes, or
// refused by Gitea's [attachment] MAX_SIZE, it is sink.ErrTooLarge.
func (g GiteaSink) Attach(ctx context.Context, ref core.TicketRef, f core.File, body io.Reader) error {
	const op = "attach file"
	n, err := number(op, ref)
	if err != nil {
		return err
	}
	limit := g.s.MaxAttachmentBytes
	if f.Size > limit {
		return fmt.Errorf("%s %q (%d bytes, limit %d): %w", op, f.Name, f.Size, limit, sink.ErrTooLarge)
	}
	name := f.Name
	if strings.TrimSpace(name) == "" {
		name = "attachment"
	}
	up := sinkhttp.Stream(sinkhttp.Part{Field: "attachment", Name: name, ContentType: f.ContentType, Body: body, Limit: limit})
	defer up.Body.Close()
	path := fmt.Sprintf("%s/issues/%s/assets?name=%s", g.repoPath(), n, url.QueryEscape(name))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.c.Base+path, up.Body)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", up.ContentType)
	var a Asset
	err = g.c.Send(op, req, &a)
	var ce *core.CallError
	switch {
	case up.Over():
		return fmt.Errorf("%s %q: more than %d bytes: %w", op, f.Name, limit, sink.ErrTooLarge)
	case errors.As(err, &ce) && (ce.Status == http.StatusRequestEntityTooLarge || strings.Contains(strings.ToLower(ce.Message), "too large")):
		return fmt.Errorf("%s %q: %w: %w", op, f.Name, sink.ErrTooLarge, err)
	}
	return err
}
