package blob

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Links signs expiring download links for files a sink could not take,
// and serves them at /files/{key...}.
type Links struct {
	Store   Store
	Secret  []byte
	BaseURL string // the public URL of this service, e.g. https://tb.example.com
	TTL     time.Duration
	Now     func() time.Time
}

// URL returns a signed link to key valid for TTL.
func (l *Links) URL(key string) string {
	exp := l.Now().Add(l.TTL).Unix()
	q := url.Values{"exp": {strconv.FormatInt(exp, 10)}, "sig": {l.sign(key, exp)}}
	return l.BaseURL + "/files/" + key + "?" + q.Encode()
}

func (l *Links) sign(key string, exp int64) string {
	m := hmac.New(sha256.New, l.Secret)
	fmt.Fprintf(m, "%s\n%d", key, exp)
	return hex.EncodeToString(m.Sum(nil))
}

// Check verifies a link's signature and expiry.
func (l *Links) Check(key, exp, sig string) error {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return errors.New("bad expiry")
	}
	if !hmac.Equal([]byte(sig), []byte(l.sign(key, e))) {
		return errors.New("bad signature")
	}
	if l.Now().Unix() > e {
		return errors.New("link expired")
	}
	return nil
}

// ServeHTTP serves GET /files/{key...} for a valid, unexpired link.
func (l *Links) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if err := l.Check(key, r.URL.Query().Get("exp"), r.URL.Query().Get("sig")); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	rc, info, err := l.Store.Open(r.Context(), key)
	if errors.Is(err, ErrNotFound) {
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "could not open the file", http.StatusInternalServerError)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", info.ContentType)
	w.Header().Set("Content-Length", strconv.FormatInt(info.Size, 10))
	w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(info.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.Copy(w, rc)
}
