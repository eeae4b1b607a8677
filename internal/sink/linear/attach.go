package linear

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/sink"
)

// Attach asks fileUpload for a signed URL (it needs the size, so a body
// of unknown size is spooled to an unlinked temporary file first), PUTs
// the bytes there with the headers Linear gave, and attaches the asset to
// the issue with attachmentCreate.
func (s *Sink) Attach(ctx context.Context, ref core.TicketRef, f core.File, body io.Reader) error {
	const op = "upload file"
	if ref.Key == "" {
		return &core.CallError{Op: op, Permanent: true, Message: "issue id is empty"}
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
	rd, size := io.Reader(io.LimitReader(body, f.Size)), f.Size
	if size <= 0 {
		tmp, n, err := spool(io.LimitReader(body, limit+1))
		if err != nil {
			return &core.CallError{Op: op, Err: err}
		}
		defer tmp.Close()
		if n > limit {
			return fmt.Errorf("%s %q: more than %d bytes: %w", op, f.Name, limit, sink.ErrTooLarge)
		}
		rd, size = tmp, n
	}
	var up struct {
		FileUpload struct {
			Success    bool       `json:"success"`
			UploadFile UploadFile `json:"uploadFile"`
		} `json:"fileUpload"`
	}
	if err := s.c.do(ctx, op, "FileUpload", qFileUpload, map[string]any{"contentType": ct, "filename": name, "size": size}, &up); err != nil {
		return err
	}
	u := up.FileUpload.UploadFile
	if !up.FileUpload.Success || u.UploadURL == "" || u.AssetURL == "" {
		return &core.CallError{Op: op, Status: 200, Message: "fileUpload gave no upload URL"}
	}
	if err := s.put(ctx, u, ct, rd, size); err != nil {
		return err
	}
	var out struct {
		AttachmentCreate struct {
			Success bool `json:"success"`
		} `json:"attachmentCreate"`
	}
	input := map[string]any{"issueId": ref.Key, "title": name, "url": u.AssetURL}
	if f.Key != "" {
		input["id"] = AttachmentID(f.Key)
	}
	err := s.c.do(ctx, "attach file", "AttachmentCreate", qAttachment, map[string]any{"input": input}, &out)
	if err == nil && out.AttachmentCreate.Success {
		return nil
	}
	// As with comments: a keyed attachment that failed may be there.
	if _, limited := core.RetryAfterOf(err); f.Key != "" && !limited {
		if ok, ferr := s.FindAttachment(ctx, ref, f); ferr == nil && ok {
			return nil
		}
	}
	if err == nil {
		err = &core.CallError{Op: "attach file", Status: 200, Message: "attachmentCreate did not succeed"}
	}
	return err
}

// FindAttachment reads the attachment an earlier attempt created under
// the id AttachmentID(f.Key) and reports whether it is on ref's issue. A
// file without a key cannot be looked for.
func (s *Sink) FindAttachment(ctx context.Context, ref core.TicketRef, f core.File) (bool, error) {
	if f.Key == "" {
		return false, nil
	}
	var out struct {
		Attachment *struct {
			ID    string `json:"id"`
			Issue struct {
				ID string `json:"id"`
			} `json:"issue"`
		} `json:"attachment"`
	}
	err := s.c.do(ctx, "find attachment", "Attachment", qAttachmentRead, map[string]any{"id": AttachmentID(f.Key)}, &out)
	var ce *core.CallError
	if errors.As(err, &ce) && strings.Contains(strings.ToLower(ce.Message), "not found") {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return out.Attachment != nil && out.Attachment.Issue.ID == ref.Key, nil
}

// put sends the bytes to the signed storage URL; the storage's 413 (or
// 400 EntityTooLarge) means the file is too large.
func (s *Sink) put(ctx context.Context, u UploadFile, ct string, body io.Reader, size int64) error {
	const op = "store file"
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u.UploadURL, body)
	if err != nil {
		return &core.CallError{Op: op, Permanent: true, Err: err}
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Cache-Control", "public, max-age=31536000")
	for _, h := range u.Headers {
		req.Header.Set(h.Key, h.Value)
	}
	resp, err := s.c.http.Do(req)
	if err != nil {
		return &core.CallError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusRequestEntityTooLarge || strings.Contains(string(msg), "EntityTooLarge"):
		return fmt.Errorf("%s: %w", op, sink.ErrTooLarge)
	case resp.StatusCode > 299:
		return core.ClassifyStatus(op, resp.StatusCode, strings.TrimSpace(string(msg)), 0)
	}
	return nil
}

func spool(r io.Reader) (*os.File, int64, error) {
	f, err := os.CreateTemp("", "ticketbridge-linear-upload-*")
	if err != nil {
		return nil, 0, fmt.Errorf("spool attachment: %w", err)
	}
	_ = os.Remove(f.Name())
	n, err := io.Copy(f, r)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, 0, errors.Join(errors.New("spool attachment"), err)
	}
	return f, n, nil
}
