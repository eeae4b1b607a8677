package zammad

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
	"github.com/ticketbridge/ticketbridge/internal/sink/sinkhttp"
)

var errOverLimit = errors.New("attachment over the limit")

// Attach adds an internal note article carrying the file. Zammad takes
// attachments as base64 inside the article's JSON, so the JSON is written
// around a streaming base64 encoder: the file is never held whole.
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
	ct := f.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	pr, pw := io.Pipe()
	var over atomic.Bool
	text := sinkhttp.Marked("Attachment from the chat: "+name, f.Key, sinkhttp.Visible)
	go func() { pw.CloseWithError(writeArticle(pw, id, text, name, ct, body, limit, &over)) }()
	defer pr.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.c.Base+"/api/v1/ticket_articles", pr)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	err = s.c.Send(op, req, nil)
	var ce *core.CallError
	switch {
	case over.Load():
		return fmt.Errorf("%s %q: more than %d bytes: %w", op, f.Name, limit, sink.ErrTooLarge)
	case errors.As(err, &ce) && ce.Status == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%s %q: %w: %w", op, f.Name, sink.ErrTooLarge, err)
	}
	return err
}

func writeArticle(w io.Writer, ticket int, text, name, ct string, body io.Reader, limit int64, over *atomic.Bool) error {
	str := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	head := fmt.Sprintf(`{"ticket_id":%d,"body":%s,"type":"note","internal":true,"content_type":"text/plain","sender":"Agent","attachments":[{"filename":%s,"mime-type":%s,"data":"`,
		ticket, str(text), str(name), str(ct))
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	enc := base64.NewEncoder(base64.StdEncoding, w)
	n, err := io.Copy(enc, io.LimitReader(body, limit+1))
	if err != nil {
		return fmt.Errorf("read attachment: %w", err)
	}
	if n > limit {
		over.Store(true)
		return errOverLimit
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err = io.WriteString(w, `"}]}`)
	return err
}
