package s3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The test server: .ci/s3.sh starts one and prints these variables.
const (
	envEndpoint  = "TICKETBRIDGE_TEST_S3" // http://127.0.0.1:8333
	envAccessKey = "TICKETBRIDGE_TEST_S3_ACCESS_KEY"
	envSecretKey = "TICKETBRIDGE_TEST_S3_SECRET_KEY"
	envBucket    = "TICKETBRIDGE_TEST_S3_BUCKET"
	envRegion    = "TICKETBRIDGE_TEST_S3_REGION"
)

// testSettings reads the test server's coordinates and makes sure its
// bucket exists. A missing server fails the test: S3 behaviour is what
// is tested, and a fake would not show it.
func testSettings(t testing.TB) Settings {
	t.Helper()
	ep := os.Getenv(envEndpoint)
	if ep == "" {
		t.Fatalf("%s is not set: start a local S3 server with `eval \"$(.ci/s3.sh)\"` "+
			"(SeaweedFS on 127.0.0.1) or point %s, %s and %s at one", envEndpoint, envEndpoint, envAccessKey, envSecretKey)
	}
	s := Settings{
		Endpoint:  ep,
		Bucket:    os.Getenv(envBucket),
		Region:    os.Getenv(envRegion),
		AccessKey: os.Getenv(envAccessKey),
		SecretKey: os.Getenv(envSecretKey),
	}
	if s.Bucket == "" {
		s.Bucket = "ticketbridge-test"
	}
	if s.Region == "" {
		s.Region = "us-east-1"
	}
	ensureBucket(t, s)
	return s
}

func ensureBucket(t testing.TB, s Settings) {
	t.Helper()
	host, secure, err := endpoint(s.Endpoint, s.UseSSL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := minio.New(host, &minio.Options{Creds: credentialsFor(s), Secure: secure, Region: s.Region})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ok, err := c.BucketExists(ctx, s.Bucket)
	if err != nil {
		t.Fatalf("S3 server at %s (%s) is not usable: %v; start it with `eval \"$(.ci/s3.sh)\"`", s.Endpoint, envEndpoint, err)
	}
	if ok {
		return
	}
	err = c.MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{Region: s.Region})
	if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
		t.Fatalf("create test bucket %s: %v", s.Bucket, err)
	}
}

// newStore returns a store under a fresh prefix of the test bucket, so
// parallel tests cannot see each other's objects.
func newStore(t testing.TB, tweak func(*Settings)) *Store {
	t.Helper()
	s := testSettings(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	s.Prefix = "test-" + hex.EncodeToString(b[:])
	if tweak != nil {
		tweak(&s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := New(ctx, s)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { purge(t, st) })
	return st
}

// listAll names every object under the store's prefix, temporary ones
// included.
func listAll(t testing.TB, st *Store) []string {
	t.Helper()
	var names []string
	for o := range st.client.ListObjects(context.Background(), st.bucket, minio.ListObjectsOptions{Prefix: st.prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatalf("list objects: %v", o.Err)
		}
		names = append(names, strings.TrimPrefix(o.Key, st.prefix))
	}
	return names
}

// listUploads names unfinished multipart uploads under the prefix.
func listUploads(t testing.TB, st *Store) []string {
	t.Helper()
	var names []string
	for u := range st.client.ListIncompleteUploads(context.Background(), st.bucket, st.prefix, true) {
		if u.Err != nil {
			t.Fatalf("list uploads: %v", u.Err)
		}
		names = append(names, u.Key)
	}
	return names
}

func purge(t testing.TB, st *Store) {
	ctx := context.Background()
	for _, name := range listAll(t, st) {
		_ = st.client.RemoveObject(ctx, st.bucket, st.prefix+name, minio.RemoveObjectOptions{})
	}
}

// countingTransport counts the requests that upload a multipart part.
type countingTransport struct {
	base  http.RoundTripper
	mu    sync.Mutex
	parts int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") && r.URL.Query().Has("uploadId") {
		c.mu.Lock()
		c.parts++
		c.mu.Unlock()
	}
	return c.base.RoundTrip(r)
}

func (c *countingTransport) Parts() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.parts
}

func TestEndpoint(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		raw, host string
		ssl, tls  bool
		bad       bool
	}{
		"bare":         {raw: "127.0.0.1:8333", host: "127.0.0.1:8333"},
		"bare ssl":     {raw: "s3.example.com", ssl: true, host: "s3.example.com", tls: true},
		"http url":     {raw: "http://127.0.0.1:8333/", ssl: true, host: "127.0.0.1:8333"},
		"https url":    {raw: "https://s3.eu-west-1.amazonaws.com", host: "s3.eu-west-1.amazonaws.com", tls: true},
		"path":         {raw: "https://example.com/bucket", bad: true},
		"other scheme": {raw: "ftp://example.com", bad: true},
		"empty":        {raw: "", bad: true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			host, tls, err := endpoint(tt.raw, tt.ssl)
			if tt.bad {
				if err == nil {
					t.Fatalf("endpoint(%q) = %q, want an error", tt.raw, host)
				}
				return
			}
			if err != nil || host != tt.host || tls != tt.tls {
				t.Fatalf("endpoint(%q) = %q, %v, %v; want %q, %v", tt.raw, host, tls, err, tt.host, tt.tls)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	base := testSettings(t)
	tests := map[string]func(*Settings){
		"no bucket":      func(s *Settings) { s.Bucket = "" },
		"missing bucket": func(s *Settings) { s.Bucket = "ticketbridge-no-such-bucket" },
		"small part":     func(s *Settings) { s.PartSize = 1 << 20 },
		"wrong secret":   func(s *Settings) { s.SecretKey += "x" },
	}
	for name, tweak := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := base
			tweak(&s)
			if name == "wrong secret" && s.AccessKey == "" {
				t.Skip("the test server has no credentials")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if _, err := New(ctx, s); err == nil {
				t.Fatalf("New accepted %+v", s)
			}
		})
	}
}

func credentialsFor(s Settings) *credentials.Credentials {
	return credentials.NewStaticV4(s.AccessKey, s.SecretKey, "")
}
