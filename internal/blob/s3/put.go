package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/ticketbridge/ticketbridge/internal/blob"
)

// singlePutMax is how much of a file Put reads ahead. Most attachments
// fit, and go up in one PUT with their hash already known; only larger
// ones pay for a multipart upload and a server-side copy. It is kept
// small because minio-go allocates a whole part buffer per streamed
// upload.
const singlePutMax = 1 << 20

// tmpDir holds objects still being uploaded, under the store's prefix. A
// lifecycle rule expiring it after a day (and aborting incomplete
// multipart uploads) cleans up after a crash.
const tmpDir = ".uploads/"

// copyMax is the largest object one CopyObject call may copy.
const copyMax = 5 << 30

// errOverLimit is what the limit reader fails the upload with; Put turns
// it into blob.ErrTooLarge.
var errOverLimit = errors.New("size limit reached")

// Put implements blob.Store. The type is sniffed from the first 512 bytes
// and refused before anything is sent; the size limit is enforced while
// streaming, and an upload that goes over it is aborted, its parts
// deleted and the key left as it was.
func (s *Store) Put(ctx context.Context, key, name string, r io.Reader, limits blob.Limits) (blob.Info, error) {
	obj, err := s.object(key)
	if err != nil {
		return blob.Info{}, err
	}
	headSize := int64(singlePutMax)
	if limits.MaxBytes > 0 && limits.MaxBytes < headSize {
		headSize = limits.MaxBytes + 1
	}
	head := make([]byte, headSize)
	n, err := io.ReadFull(readerCtx{ctx, r}, head)
	whole := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	if err != nil && !whole {
		return blob.Info{}, fmt.Errorf("read file: %w", err)
	}
	head = head[:n]
	ctype := http.DetectContentType(head[:min(n, 512)])
	if !limits.Allows(ctype) {
		return blob.Info{}, fmt.Errorf("%w: %s", blob.ErrTypeDenied, ctype)
	}
	if limits.MaxBytes > 0 && int64(n) > limits.MaxBytes {
		return blob.Info{}, tooLarge(limits.MaxBytes)
	}
	if whole {
		return s.putSmall(ctx, key, obj, name, ctype, head)
	}
	return s.putStream(ctx, key, obj, name, ctype, io.MultiReader(bytes.NewReader(head), r), limits.MaxBytes)
}

func (s *Store) putSmall(ctx context.Context, key, obj, name, ctype string, data []byte) (blob.Info, error) {
	sum := sha256.Sum256(data)
	info := blob.Info{Key: key, Name: name, ContentType: ctype, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
	_, err := s.client.PutObject(ctx, s.bucket, obj, bytes.NewReader(data), info.Size, minio.PutObjectOptions{
		ContentType:  ctype,
		UserMetadata: userMeta(name, info.SHA256),
	})
	if err != nil {
		return blob.Info{}, fmt.Errorf("write blob: %w", err)
	}
	return info, nil
}

func (s *Store) putStream(ctx context.Context, key, obj, name, ctype string, body io.Reader, max int64) (blob.Info, error) {
	tmp, err := s.tmpObject()
	if err != nil {
		return blob.Info{}, err
	}
	// Whatever happens, the temporary object goes; if the upload never
	// completed this is a harmless delete of nothing.
	defer s.removeDetached(ctx, tmp)

	h := sha256.New()
	lr := &limitReader{r: readerCtx{ctx, body}, max: max}
	// Size -1 makes minio-go stream part by part, holding one part in
	// memory, and abort the multipart upload if reading fails.
	up, err := s.client.PutObject(ctx, s.bucket, tmp, io.TeeReader(lr, h), -1, minio.PutObjectOptions{
		ContentType: ctype,
		PartSize:    uint64(s.partSize),
	})
	if lr.over {
		return blob.Info{}, tooLarge(max)
	}
	if err != nil {
		return blob.Info{}, fmt.Errorf("write blob: %w", err)
	}
	info := blob.Info{Key: key, Name: name, ContentType: ctype, Size: lr.n, SHA256: hex.EncodeToString(h.Sum(nil))}
	if up.Size != info.Size {
		return blob.Info{}, fmt.Errorf("write blob: server stored %d of %d bytes", up.Size, info.Size)
	}
	dst := minio.CopyDestOptions{
		Bucket:          s.bucket,
		Object:          obj,
		ContentType:     ctype,
		UserMetadata:    userMeta(name, info.SHA256),
		ReplaceMetadata: true,
	}
	src := minio.CopySrcOptions{Bucket: s.bucket, Object: tmp}
	if info.Size <= copyMax {
		_, err = s.client.CopyObject(ctx, dst, src)
	} else {
		_, err = s.client.ComposeObject(ctx, dst, src)
	}
	if err != nil {
		return blob.Info{}, fmt.Errorf("store blob: %w", err)
	}
	return info, nil
}

func tooLarge(max int64) error {
	return fmt.Errorf("%w: more than %d bytes", blob.ErrTooLarge, max)
}

func (s *Store) tmpObject() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("temporary name: %w", err)
	}
	return s.prefix + tmpDir + hex.EncodeToString(b[:]), nil
}

// removeDetached deletes an object even when ctx has ended (a cancelled
// Put must still clean up), within a bound of its own.
func (s *Store) removeDetached(ctx context.Context, obj string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = s.client.RemoveObject(ctx, s.bucket, obj, minio.RemoveObjectOptions{})
}

// limitReader counts what passes and fails once more than max bytes have
// (max 0: no limit).
type limitReader struct {
	r    io.Reader
	max  int64
	n    int64
	over bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.over {
		return 0, errOverLimit
	}
	if l.max > 0 && int64(len(p)) > l.max-l.n+1 {
		// Never read far past the limit: one byte over is proof enough.
		p = p[:l.max-l.n+1]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.max > 0 && l.n > l.max {
		l.over = true
		return 0, errOverLimit
	}
	return n, err
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
