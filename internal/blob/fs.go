package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// FS stores files under a directory, each with a small JSON sidecar
// holding its Info. Writes go to a temporary file renamed into place, so
// a crash leaves no half file under a key.
type FS struct {
	dir string
}

// NewFS returns a store rooted at dir, creating it.
func NewFS(dir string) (*FS, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create blob directory: %w", err)
	}
	return &FS{dir: dir}, nil
}

func (f *FS) path(key string) (string, error) {
	k, err := CleanKey(key)
	if err != nil {
		return "", err
	}
	return filepath.Join(f.dir, filepath.FromSlash(k)), nil
}

// Put implements Store.
func (f *FS) Put(ctx context.Context, key, name string, r io.Reader, limits Limits) (Info, error) {
	p, err := f.path(key)
	if err != nil {
		return Info{}, err
	}
	ctype, body, err := sniff(r)
	if err != nil {
		return Info{}, fmt.Errorf("read file: %w", err)
	}
	if !limits.Allows(ctype) {
		return Info{}, fmt.Errorf("%w: %s", ErrTypeDenied, ctype)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return Info{}, fmt.Errorf("create blob directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return Info{}, fmt.Errorf("create blob file: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	src := io.Reader(body)
	if limits.MaxBytes > 0 {
		src = io.LimitReader(body, limits.MaxBytes+1)
	}
	n, err := io.Copy(io.MultiWriter(tmp, h), readerCtx{ctx, src})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Info{}, fmt.Errorf("write blob: %w", err)
	}
	if limits.MaxBytes > 0 && n > limits.MaxBytes {
		return Info{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limits.MaxBytes)
	}
	info := Info{Key: key, Name: name, ContentType: ctype, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	meta, _ := json.Marshal(info)
	if err := os.WriteFile(p+".json", meta, 0o640); err != nil {
		return Info{}, fmt.Errorf("write blob metadata: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return Info{}, fmt.Errorf("store blob: %w", err)
	}
	return info, nil
}

// Open implements Store.
func (f *FS) Open(_ context.Context, key string) (io.ReadCloser, Info, error) {
	p, err := f.path(key)
	if err != nil {
		return nil, Info{}, err
	}
	var info Info
	meta, err := os.ReadFile(p + ".json")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("read blob metadata: %w", err)
	}
	if err := json.Unmarshal(meta, &info); err != nil {
		return nil, Info{}, fmt.Errorf("decode blob metadata: %w", err)
	}
	file, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("open blob: %w", err)
	}
	return file, info, nil
}

// Delete implements Store; a missing key is not an error.
func (f *FS) Delete(_ context.Context, key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	for _, q := range []string{p, p + ".json"} {
		if err := os.Remove(q); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("delete blob: %w", err)
		}
	}
	return nil
}

// readerCtx stops a long copy when its context ends.
type readerCtx struct {
	ctx context.Context
	r   io.Reader
}

func (r readerCtx) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
