// Package s3 keeps attachments in an S3-compatible bucket (AWS S3,
// MinIO, SeaweedFS, Ceph RGW, …) with the same semantics as blob.FS, so
// several replicas can share one store.
//
// Each file is one object under Prefix+key. Its name and SHA-256 ride
// along as user metadata and its sniffed type as the object's
// Content-Type, so Open needs a single request. Because the SHA-256 is
// known only once the last byte has gone out, a file bigger than one
// in-memory chunk is first streamed to a temporary object and then
// copied server-side onto its key with the final metadata: a reader never
// sees a key without its hash, and a refused or failed upload never
// touches the key (the same promise FS keeps with its temp-and-rename).
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/ticketbridge/ticketbridge/internal/blob"
)

// Part sizes S3 accepts for multipart uploads.
const (
	DefaultPartSize = 16 << 20
	MinPartSize     = 5 << 20
	MaxPartSize     = 5 << 30
)

// Settings say where the bucket is and how to talk to it.
type Settings struct {
	// Endpoint is host[:port], or a URL whose scheme then decides TLS
	// (https://s3.eu-west-1.amazonaws.com).
	Endpoint  string
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string
	// UseSSL selects https for an Endpoint given without a scheme.
	UseSSL bool
	// Prefix is put before every key, so one bucket can serve several
	// deployments ("ticketbridge/prod/").
	Prefix string
	// PartSize is the multipart chunk, and so the memory one large
	// upload holds (default 16 MiB, at least 5 MiB).
	PartSize int64
	// Transport replaces the HTTP transport (private CAs, proxies, tests
	// that watch the requests); nil uses minio-go's default.
	Transport http.RoundTripper
}

// Store is a blob.Store on an S3-compatible bucket.
type Store struct {
	client   *minio.Client
	bucket   string
	prefix   string
	partSize int64
}

var _ blob.Store = (*Store)(nil)

// New connects to the bucket and checks that it exists, so a wrong
// endpoint, credential or bucket name shows at start-up rather than on
// the first attachment.
func New(ctx context.Context, s Settings) (*Store, error) {
	host, secure, err := endpoint(s.Endpoint, s.UseSSL)
	if err != nil {
		return nil, err
	}
	if s.Bucket == "" {
		return nil, errors.New("s3: bucket is required")
	}
	part := s.PartSize
	if part == 0 {
		part = DefaultPartSize
	}
	if part < MinPartSize || part > MaxPartSize {
		return nil, fmt.Errorf("s3: part size %d outside %d..%d bytes", part, MinPartSize, MaxPartSize)
	}
	client, err := minio.New(host, &minio.Options{
		Creds:     credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Secure:    secure,
		Region:    s.Region,
		Transport: s.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: client: %w", err)
	}
	ok, err := client.BucketExists(ctx, s.Bucket)
	if err != nil {
		return nil, fmt.Errorf("s3: check bucket %q at %s: %w", s.Bucket, host, err)
	}
	if !ok {
		return nil, fmt.Errorf("s3: bucket %q does not exist at %s", s.Bucket, host)
	}
	return &Store{client: client, bucket: s.Bucket, prefix: cleanPrefix(s.Prefix), partSize: part}, nil
}

// endpoint splits an optional scheme off the configured endpoint.
func endpoint(raw string, useSSL bool) (string, bool, error) {
	if raw == "" {
		return "", false, errors.New("s3: endpoint is required")
	}
	if !strings.Contains(raw, "://") {
		return strings.TrimSuffix(raw, "/"), useSSL, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false, fmt.Errorf("s3: endpoint: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return "", false, fmt.Errorf("s3: endpoint %q: want host[:port] or http(s)://host[:port]", raw)
	}
	return u.Host, u.Scheme == "https", nil
}

func cleanPrefix(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// object maps a key to its object name.
func (s *Store) object(key string) (string, error) {
	k, err := blob.CleanKey(key)
	if err != nil {
		return "", err
	}
	return s.prefix + k, nil
}

// User metadata names. S3 carries user metadata in HTTP headers, so
// values must be ASCII: the file name is percent-encoded.
const (
	metaName   = "Name"
	metaSHA256 = "Sha256"
)

func userMeta(name, sum string) map[string]string {
	return map[string]string{metaName: url.PathEscape(name), metaSHA256: sum}
}

// metaValue finds a user metadata value whatever case the server gave
// its header name.
func metaValue(m map[string]string, name string) string {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// Open implements blob.Store. The body streams from the server as it is
// read.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	obj, err := s.object(key)
	if err != nil {
		return nil, blob.Info{}, err
	}
	o, err := s.client.GetObject(ctx, s.bucket, obj, minio.GetObjectOptions{})
	if err != nil {
		return nil, blob.Info{}, mapErr(err, key, "open blob")
	}
	// Stat sends the GET and waits for its headers; the body stays unread.
	st, err := o.Stat()
	if err != nil {
		_ = o.Close()
		return nil, blob.Info{}, mapErr(err, key, "open blob")
	}
	name := metaValue(st.UserMetadata, metaName)
	if dec, err := url.PathUnescape(name); err == nil {
		name = dec
	}
	info := blob.Info{
		Key:         key,
		Name:        name,
		ContentType: st.ContentType,
		Size:        st.Size,
		SHA256:      metaValue(st.UserMetadata, metaSHA256),
	}
	return o, info, nil
}

// Delete implements blob.Store; a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	obj, err := s.object(key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, obj, minio.RemoveObjectOptions{}); err != nil {
		if errors.Is(mapErr(err, key, ""), blob.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("delete blob: %w", err)
	}
	return nil
}

// mapErr turns S3's "no such key" into blob.ErrNotFound.
func mapErr(err error, key, what string) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == minio.NoSuchKey || resp.StatusCode == http.StatusNotFound && resp.Code != minio.NoSuchBucket {
		return fmt.Errorf("%w: %s", blob.ErrNotFound, key)
	}
	return fmt.Errorf("%s: %w", what, err)
}
