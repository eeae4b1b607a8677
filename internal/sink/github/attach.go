package github

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

var errOverLimit = errors.New("attachment over the limit")

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
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	var over atomic.Bool
	go func() { pw.CloseWithError(writePart(mw, name, f.ContentType, body, limit, &over)) }()
	defer pr.Close()
	path := fmt.Sprintf("%s/issues/%s/assets?name=%s", g.repoPath(), n, url.QueryEscape(name))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.c.base+path, pr)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var a Asset
	err = g.c.send(op, req, &a)
	var ce *core.CallError
	switch {
	case over.Load():
		return fmt.Errorf("%s %q: more than %d bytes: %w", op, f.Name, limit, sink.ErrTooLarge)
	case errors.As(err, &ce) && (ce.Status == http.StatusRequestEntityTooLarge || strings.Contains(strings.ToLower(ce.Message), "too large")):
		return fmt.Errorf("%s %q: %w: %w", op, f.Name, sink.ErrTooLarge, err)
	}
	return err
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")

func writePart(mw *multipart.Writer, name, ct string, body io.Reader, limit int64, over *atomic.Bool) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="attachment"; filename="`+quoteEscaper.Replace(name)+`"`)
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
