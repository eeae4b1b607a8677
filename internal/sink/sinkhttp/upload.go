package sinkhttp

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"strings"
	"sync/atomic"
)

// ErrOverLimit ends an upload stream whose body outgrew its limit.
var ErrOverLimit = errors.New("attachment over the limit")

// Part is one file of a multipart upload.
type Part struct {
	// Field is the form field ("file", "attachment", "attachments[]").
	Field       string
	Name        string
	ContentType string
	Body        io.Reader
	// Limit is the most bytes Body may have.
	Limit int64
	// Fields are plain form fields written before the file.
	Fields map[string]string
}

// Upload is a multipart body being written by a goroutine as it is read.
type Upload struct {
	// Body is what to send; close it when the request is done.
	Body        *io.PipeReader
	ContentType string
	over        atomic.Bool
}

// Over says whether the file turned out bigger than its limit.
func (u *Upload) Over() bool { return u.over.Load() }

// Stream starts writing p as a multipart body through a pipe, so the
// file is never held whole. It reads one byte past the limit to tell
// "exactly at" from "over", and then fails the stream.
func Stream(p Part) *Upload {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	u := &Upload{Body: pr, ContentType: mw.FormDataContentType()}
	go func() { pw.CloseWithError(u.write(mw, p)) }()
	return u
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "")

func (u *Upload) write(mw *multipart.Writer, p Part) error {
	for k, v := range p.Fields {
		if err := mw.WriteField(k, v); err != nil {
			return err
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+p.Field+`"; filename="`+quoteEscaper.Replace(p.Name)+`"`)
	ct := p.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	n, err := io.Copy(part, io.LimitReader(p.Body, p.Limit+1))
	if err != nil {
		return fmt.Errorf("read attachment: %w", err)
	}
	if n > p.Limit {
		u.over.Store(true)
		return ErrOverLimit
	}
	return mw.Close()
}
