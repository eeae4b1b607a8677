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

// FindAttachment looks for a file an earlier attempt uploaded, by name and
// size among the assets (GET …/issues/{n}/assets): an asset keeps
// no description of ours.
func (g GiteaSink) FindAttachment(ctx context.Context, ref core.TicketRef, f core.File) (bool, error) {
	const op = "find attachment"
	n, err := number(op, ref)
	if err != nil {
		return false, err
	}
	name := f.Name
	if strings.TrimSpace(name) == "" {
		name = "attachment"
	}
	var assets []Asset
	if err := g.c.JSON(ctx, op, "GET", fmt.Sprintf("%s/issues/%s/assets", g.repoPath(), n), nil, &assets); err != nil {
		return false, err
	}
	for _, a := range assets {
		if a.Name == name && a.Size == f.Size {
			return true, nil
		}
	}
	return false, nil
}
