package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ticketbridge/ticketbridge/internal/blob"
)

var png = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 3000)...)

func TestFSPutOpen(t *testing.T) {
	dir := t.TempDir()
	fs, err := blob.NewFS(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lim := blob.Limits{MaxBytes: 4096, Allowed: blob.DefaultAllowed}
	info, err := fs.Put(ctx, "link1/5/F1", "shot.png", bytes.NewReader(png), lim)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(png)
	if info.ContentType != "image/png" || info.Size != int64(len(png)) || info.SHA256 != hex.EncodeToString(sum[:]) || info.Name != "shot.png" {
		t.Fatalf("info = %+v", info)
	}
	rc, got, err := fs.Open(ctx, "link1/5/F1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(b, png) || got != info {
		t.Fatalf("read back %d bytes, info %+v", len(b), got)
	}

	tests := []struct {
		name string
		body []byte
		want error
	}{
		{"too large", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 5000)...), blob.ErrTooLarge},
		{"executable", append([]byte("MZ\x90\x00"), make([]byte, 100)...), blob.ErrTypeDenied},
		{"html", []byte("<html><script>alert(1)</script></html>"), blob.ErrTypeDenied},
	}
	for _, tt := range tests {
		_, err := fs.Put(ctx, "refused/"+tt.name, tt.name, bytes.NewReader(tt.body), lim)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Put = %v, want %v", tt.name, err, tt.want)
		}
		if _, _, err := fs.Open(ctx, "refused/"+tt.name); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("%s: a refused file is readable (%v)", tt.name, err)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "refused", "*"))
	if len(leftovers) != 0 {
		t.Errorf("refused puts left files: %v", leftovers)
	}

	// Keys cannot climb out of the directory.
	if _, err := fs.Put(ctx, "../../escape", "x.txt", strings.NewReader("plain text"), blob.Limits{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "escape")); err != nil {
		t.Fatalf("../../escape was not kept inside the store: %v", err)
	}
	if err := fs.Delete(ctx, "link1/5/F1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := fs.Open(ctx, "link1/5/F1"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("after Delete: %v", err)
	}
}

func TestSignedLinks(t *testing.T) {
	fs, _ := blob.NewFS(t.TempDir())
	if _, err := fs.Put(context.Background(), "a/b.png", "b.png", bytes.NewReader(png), blob.Limits{}); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	l := &blob.Links{Store: fs, Secret: []byte("s3cret"), TTL: time.Hour, Now: func() time.Time { return now }}
	mux := http.NewServeMux()
	mux.Handle("GET /files/{key...}", l)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	l.BaseURL = srv.URL
	good := l.URL("a/b.png")

	get := func(u string) (int, []byte) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if status, body := get(good); status != 200 || !bytes.Equal(body, png) {
		t.Fatalf("valid link: %d, %d bytes", status, len(body))
	}
	for name, u := range map[string]string{
		"tampered key": strings.Replace(good, "a/b.png", "a/c.png", 1),
		"tampered exp": strings.Replace(good, "exp=18000036", "exp=18000099", 1),
		"no signature": strings.Split(good, "&sig=")[0],
	} {
		if status, _ := get(u); status != 403 {
			t.Errorf("%s: %d, want 403", name, status)
		}
	}
	now = now.Add(2 * time.Hour)
	if status, _ := get(good); status != 403 {
		t.Errorf("expired link: %d, want 403", status)
	}
}
