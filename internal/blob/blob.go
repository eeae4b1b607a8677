// Package blob keeps attachments: files fetched from chat platforms on
// their way to a ticket. Writes stream (a file is never held whole in
// memory), are bounded by a size limit, get their content type sniffed
// from the bytes (not trusted from the name) and their SHA-256 recorded.
// FS is the filesystem store; an S3-compatible one can sit beside it.
package blob

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path"
	"strings"
)

// Errors a Put refuses with.
var (
	ErrTooLarge   = errors.New("file over the size limit")
	ErrTypeDenied = errors.New("file type not allowed")
	ErrNotFound   = errors.New("no such file")
)

// Info describes a stored file.
type Info struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// Store keeps files by key.
type Store interface {
	// Put streams r into the store under key, refusing more than max
	// bytes (ErrTooLarge) and content types outside allowed
	// (ErrTypeDenied); nothing is kept after a refusal.
	Put(ctx context.Context, key, name string, r io.Reader, limits Limits) (Info, error)
	Open(ctx context.Context, key string) (io.ReadCloser, Info, error)
	Delete(ctx context.Context, key string) error
}

// Limits bound what Put accepts.
type Limits struct {
	MaxBytes int64
	// Allowed are MIME types or type/* wildcards; empty allows any.
	Allowed []string
}

// Allows reports whether a sniffed content type is allowed.
func (l Limits) Allows(contentType string) bool {
	if len(l.Allowed) == 0 {
		return true
	}
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	for _, a := range l.Allowed {
		if a == mt || (strings.HasSuffix(a, "/*") && strings.HasPrefix(mt, strings.TrimSuffix(a, "*"))) {
			return true
		}
	}
	return false
}

// DefaultAllowed is what support conversations carry: pictures,
// recordings, documents and logs — not executables or archives that can
// hide them.
var DefaultAllowed = []string{"image/*", "audio/*", "video/*", "application/pdf", "text/plain", "text/csv", "application/json"}

// sniff reads up to 512 bytes to decide the content type the way
// browsers do, and returns a reader that still yields them.
func sniff(r io.Reader) (string, io.Reader, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", nil, err
	}
	head = head[:n]
	return http.DetectContentType(head), io.MultiReader(strings.NewReader(string(head)), r), nil
}

// CleanKey keeps keys to safe path segments: no "..", no absolute paths.
func CleanKey(key string) (string, error) {
	k := path.Clean("/" + key)[1:]
	if k == "" || k == "." || strings.Contains(key, "\x00") {
		return "", errors.New("empty or invalid blob key")
	}
	return k, nil
}
