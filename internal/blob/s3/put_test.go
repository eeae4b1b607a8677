package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/blob"
)

var pngHead = []byte("\x89PNG\r\n\x1a\n")

// pattern yields n deterministic bytes starting with head, without ever
// holding them: big uploads are generated, not buffered.
type pattern struct {
	head []byte
	n    int64
	off  int64
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if rest := p.n - p.off; int64(len(b)) > rest {
		b = b[:rest]
	}
	for i := range b {
		at := p.off + int64(i)
		if at < int64(len(p.head)) {
			b[i] = p.head[at]
		} else {
			b[i] = byte(at*7 + at>>13)
		}
	}
	p.off += int64(len(b))
	return len(b), nil
}

func patternSum(head []byte, n int64) string {
	h := sha256.New()
	_, _ = io.Copy(h, &pattern{head: head, n: n})
	return hex.EncodeToString(h.Sum(nil))
}

func TestPutOpenRoundTrip(t *testing.T) {
	t.Parallel()
	ct := &countingTransport{base: http.DefaultTransport}
	st := newStore(t, func(s *Settings) { s.PartSize = MinPartSize; s.Transport = ct })
	ctx := context.Background()
	lim := blob.Limits{MaxBytes: 64 << 20, Allowed: blob.DefaultAllowed}

	tests := map[string]struct {
		name  string
		head  []byte
		size  int64
		ctype string
	}{
		"small png":                {name: "shot.png", head: pngHead, size: 3000, ctype: "image/png"},
		"empty":                    {name: "empty.txt", size: 0, ctype: "text/plain; charset=utf-8"},
		"non-ascii name":           {name: "截图 1 (final)%.pdf", head: []byte("%PDF-1.7\n"), size: 5000, ctype: "application/pdf"},
		"under the read-ahead":     {name: "a.png", head: pngHead, size: singlePutMax - 1, ctype: "image/png"},
		"exactly the read-ahead":   {name: "a.png", head: pngHead, size: singlePutMax, ctype: "image/png"},
		"streamed, one part":       {name: "b.png", head: pngHead, size: singlePutMax + 1, ctype: "image/png"},
		"streamed, several parts":  {name: "c.png", head: pngHead, size: 2*MinPartSize + 12345, ctype: "image/png"},
		"streamed, part multiples": {name: "d.png", head: pngHead, size: 2 * MinPartSize, ctype: "image/png"},
	}
	for label, tt := range tests {
		key := "link1/" + strings.ReplaceAll(label, " ", "_")
		info, err := st.Put(ctx, key, tt.name, &pattern{head: tt.head, n: tt.size}, lim)
		if err != nil {
			t.Fatalf("%s: Put: %v", label, err)
		}
		want := blob.Info{Key: key, Name: tt.name, ContentType: tt.ctype, Size: tt.size, SHA256: patternSum(tt.head, tt.size)}
		if info != want {
			t.Fatalf("%s: Put info = %+v, want %+v", label, info, want)
		}
		rc, got, err := st.Open(ctx, key)
		if err != nil {
			t.Fatalf("%s: Open: %v", label, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: read back: %v", label, err)
		}
		if got != want || n != tt.size || hex.EncodeToString(h.Sum(nil)) != want.SHA256 {
			t.Fatalf("%s: Open info = %+v (read %d bytes), want %+v", label, got, n, want)
		}
	}
	// Only the final objects remain: temporary ones were removed.
	names := listAll(t, st)
	if len(names) != len(tests) || slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, tmpDir) }) {
		t.Fatalf("objects left = %q", names)
	}
	// Parts for the streamed files: 1 for exactly the read-ahead (a full
	// buffer cannot tell whether more follows), 1, 3 and 2; none for the
	// files shorter than the read-ahead, which go up in one PUT.
	if got, want := ct.Parts(), 1+1+3+2; got != want {
		t.Fatalf("uploaded %d multipart parts, want %d", got, want)
	}
}

func TestPutRefused(t *testing.T) {
	t.Parallel()
	ct := &countingTransport{base: http.DefaultTransport}
	st := newStore(t, func(s *Settings) { s.PartSize = MinPartSize; s.Transport = ct })
	ctx := context.Background()
	tests := map[string]struct {
		body  io.Reader
		limit int64
		want  error
	}{
		"over the limit in the read-ahead": {body: &pattern{head: pngHead, n: 5000}, limit: 4096, want: blob.ErrTooLarge},
		"over by one byte":                 {body: &pattern{head: pngHead, n: 4097}, limit: 4096, want: blob.ErrTooLarge},
		// Two whole parts go up before the third crosses the limit.
		"over the limit mid-stream": {body: &pattern{head: pngHead, n: 3 * MinPartSize}, limit: 2*MinPartSize + 100, want: blob.ErrTooLarge},
		"executable":                {body: bytes.NewReader(append([]byte("MZ\x90\x00"), make([]byte, 100)...)), limit: 4096, want: blob.ErrTypeDenied},
		"html":                      {body: strings.NewReader("<html><script>alert(1)</script></html>"), limit: 4096, want: blob.ErrTypeDenied},
		// Refused on the sniffed bytes before a single byte is sent.
		"large executable": {body: &pattern{head: []byte("MZ\x90\x00"), n: 3 * MinPartSize}, limit: 0, want: blob.ErrTypeDenied},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			key := "refused/" + strings.ReplaceAll(name, " ", "_")
			_, err := st.Put(ctx, key, "f", tt.body, blob.Limits{MaxBytes: tt.limit, Allowed: blob.DefaultAllowed})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Put error = %v, want %v", err, tt.want)
			}
			if _, _, err := st.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("Open after refusal: %v, want ErrNotFound", err)
			}
		})
	}
	t.Cleanup(func() {
		// Nothing behind: no object, no temporary object, no parts.
		if names := listAll(t, st); len(names) != 0 {
			t.Errorf("objects left after refusals: %q", names)
		}
		if ups := listUploads(t, st); len(ups) != 0 {
			t.Errorf("multipart uploads left after refusals: %q", ups)
		}
		// Only the mid-stream case sent anything: its two whole parts,
		// aborted when the third crossed the limit.
		if got := ct.Parts(); got != 2 {
			t.Errorf("uploaded %d parts, want 2", got)
		}
	})
}

func TestRefusalKeepsExistingFile(t *testing.T) {
	t.Parallel()
	st := newStore(t, func(s *Settings) { s.PartSize = MinPartSize })
	ctx := context.Background()
	lim := blob.Limits{MaxBytes: MinPartSize + 10}
	first, err := st.Put(ctx, "k", "first.png", &pattern{head: pngHead, n: 2000}, lim)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put(ctx, "k", "second.png", &pattern{head: pngHead, n: 2 * MinPartSize}, lim); !errors.Is(err, blob.ErrTooLarge) {
		t.Fatalf("oversized Put: %v", err)
	}
	rc, got, err := st.Open(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if got != first {
		t.Fatalf("after a refused overwrite Open = %+v, want %+v", got, first)
	}
}

func TestNotFoundAndDelete(t *testing.T) {
	t.Parallel()
	st := newStore(t, nil)
	ctx := context.Background()
	if _, _, err := st.Open(ctx, "nothing/here"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open missing: %v, want ErrNotFound", err)
	}
	if err := st.Delete(ctx, "nothing/here"); err != nil {
		t.Fatalf("Delete missing: %v", err)
	}
	if _, err := st.Put(ctx, "a/b", "x.txt", strings.NewReader("hello"), blob.Limits{}); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, "a/b"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Open(ctx, "a/b"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open deleted: %v, want ErrNotFound", err)
	}
	// Keys are cleaned like FS's: they cannot climb out of the prefix.
	if _, err := st.Put(ctx, "../../escape", "x.txt", strings.NewReader("x"), blob.Limits{}); err != nil {
		t.Fatal(err)
	}
	if names := listAll(t, st); !slices.Equal(names, []string{"escape"}) {
		t.Fatalf("objects = %q, want [escape] under the prefix", names)
	}
	if _, err := st.Put(ctx, "", "x.txt", strings.NewReader("x"), blob.Limits{}); err == nil {
		t.Fatal("Put accepted an empty key")
	}
}

func TestPutCancelled(t *testing.T) {
	t.Parallel()
	st := newStore(t, func(s *Settings) { s.PartSize = MinPartSize })
	ctx, cancel := context.WithCancel(context.Background())
	// The source cancels the Put once a part's worth has been read.
	src := &cancelAfter{r: &pattern{head: pngHead, n: 4 * MinPartSize}, after: MinPartSize + 1, cancel: cancel}
	if _, err := st.Put(ctx, "k", "f.png", src, blob.Limits{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put error = %v, want context.Canceled", err)
	}
	if names := listAll(t, st); len(names) != 0 {
		t.Fatalf("objects left after a cancelled Put: %q", names)
	}
	if ups := listUploads(t, st); len(ups) != 0 {
		t.Fatalf("multipart uploads left after a cancelled Put: %q", ups)
	}
}

type cancelAfter struct {
	r      io.Reader
	after  int64
	n      int64
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n >= c.after {
		c.cancel()
	}
	return n, err
}
