// Package stdwebhook signs and verifies requests the Standard Webhooks v1
// way (standardwebhooks.com): headers webhook-id, webhook-timestamp (Unix
// seconds) and webhook-signature, a space-separated list of
// "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" entries.
//
// Secrets are written "whsec_" followed by the base64 of the key bytes.
// ParseSecret insists on the prefix: a bare base64 string is too easy to
// confuse with some other credential pasted into the wrong field, and
// every secret NewSecret hands out carries it.
package stdwebhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Header names (http.Header canonicalises them on Set and Get).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every secret's text form.
const SecretPrefix = "whsec_"

// DefaultTolerance is how far a timestamp may be from our clock, either
// way, when a Verifier does not say; it is the spec's recommendation.
const DefaultTolerance = 5 * time.Minute

// Secret is the decoded key bytes of a whsec_ secret.
type Secret []byte

// ParseSecret decodes "whsec_<base64>". The prefix is required and the key
// must not be empty.
func ParseSecret(s string) (Secret, error) {
	rest, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return nil, errors.New("must start with " + SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		// Some senders strip the padding; accept that too.
		key, err = base64.RawStdEncoding.DecodeString(rest)
	}
	if err != nil {
		return nil, errors.New("not valid base64 after " + SecretPrefix)
	}
	if len(key) == 0 {
		return nil, errors.New("key is empty")
	}
	return Secret(key), nil
}

// String gives the whsec_ text form of the key.
func (s Secret) String() string {
	return SecretPrefix + base64.StdEncoding.EncodeToString(s)
}

// NewSecret returns a fresh random secret in its whsec_ text form.
func NewSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random secret: %w", err)
	}
	return Secret(b).String(), nil
}

// NewMessageID returns a random "msg_…" id for webhook-id.
func NewMessageID() string {
	// crypto/rand.Text never fails and gives 26 base32 characters.
	return "msg_" + rand.Text()
}

// Sign returns the "v1,<base64>" signature of one message.
func Sign(key Secret, id string, ts time.Time, body []byte) string {
	sum := mac(key, id, ts.Unix(), body)
	return "v1," + base64.StdEncoding.EncodeToString(sum[:])
}

// SetHeaders puts the three Standard Webhooks headers on h.
func SetHeaders(h http.Header, key Secret, id string, ts time.Time, body []byte) {
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(key, id, ts, body))
}

// mac returns the signature's HMAC by value: a slice handed to the
// hash's Sum escapes through the interface, so the sum is made in the
// pooled item and copied out, and the caller's copy stays on its stack.
func mac(key Secret, id string, unix int64, body []byte) (sum [sha256.Size]byte) {
	k := keyedMACs.Get().(*keyedMAC)
	defer keyedMACs.Put(k)
	if k.h == nil || !bytes.Equal(k.key, key) {
		k.key = append(k.key[:0], key...)
		k.h = hmac.New(sha256.New, k.key)
	} else {
		k.h.Reset()
	}
	// id and the timestamp go in one write, from a buffer the pooled item
	// keeps: a write per piece cost an allocation each, and so did a stack
	// buffer, which escapes into the hash's Write.
	k.head = append(append(k.head[:0], id...), '.')
	k.head = append(strconv.AppendInt(k.head, unix, 10), '.')
	k.h.Write(k.head)
	k.h.Write(body)
	copy(sum[:], k.h.Sum(k.sum[:0]))
	return sum
}

// keyedMAC is an HMAC kept for reuse with the key it was made for. A new
// HMAC allocates two SHA-256 states and hashes the padded key into each;
// a reset one restores its saved state, so every signed request on the
// ingest path saved two allocations and two hash blocks. Items made for
// another key are remade, so a process verifying several secrets stays
// correct and only gains less. head and sum are its scratch space.
type keyedMAC struct {
	key  []byte
	h    hash.Hash
	head []byte
	sum  [sha256.Size]byte
}

var keyedMACs = sync.Pool{New: func() any { return new(keyedMAC) }}

// ParseTimestamp reads a webhook-timestamp value (Unix seconds).
func ParseTimestamp(s string) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: not unix seconds", truncate(s, 32))
	}
	return time.Unix(n, 0), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
