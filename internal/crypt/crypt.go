// Package crypt seals stored message bodies with AES-256-GCM under a key
// ring, so that keys can be rotated: every ciphertext names the key that
// sealed it, and the ring keeps old keys to open what they sealed.
//
// A ciphertext is ASCII text, so that it fits TEXT and BLOB columns alike:
//
//	tb1:<key id>:<base64url, unpadded, of nonce (12 bytes) | sealed bytes>
//
// "tb1" is the format version. The additional data given to Seal and Open
// names the row and column the value belongs to (for example
// "tb_events\x00text\x00<source>\x00<event id>"), so a ciphertext copied
// into another row does not open.
package crypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
)

// Prefix starts every ciphertext; the store uses it to tell ciphertexts
// from plaintext written before encryption was configured.
const Prefix = "tb1:"

// KeySize is the size of an AES-256 key.
const KeySize = 32

const nonceSize = 12

var (
	// ErrUnknownKey is returned for a ciphertext whose key is not in the ring.
	ErrUnknownKey = errors.New("key not in the ring")
	// ErrNotSealed is returned by Open for data that is not a ciphertext.
	ErrNotSealed = errors.New("not a ciphertext")
	// ErrCorrupt is returned when a ciphertext fails authentication: it was
	// altered, or it belongs to another row.
	ErrCorrupt = errors.New("ciphertext does not authenticate")
)

// validID keeps key ids simple enough to be parsed back out of a
// ciphertext, in Go and in SQL.
func validID[T string | []byte](id T) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// Ring holds the keys. It is safe for concurrent use.
type Ring struct {
	active string
	aeads  map[string]cipher.AEAD
}

// NewRing builds a ring of 32-byte keys by id; new data is sealed with
// active, which must be one of them.
func NewRing(active string, keys map[string][]byte) (*Ring, error) {
	if len(keys) == 0 {
		return nil, errors.New("key ring: no keys")
	}
	r := &Ring{active: active, aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, k := range keys {
		if !validID(id) {
			return nil, fmt.Errorf("key ring: key id %q: use 1-64 letters, digits, '.', '_' or '-'", id)
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("key ring: key %q is %d bytes, want %d", id, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("key ring: key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("key ring: key %q: %w", id, err)
		}
		r.aeads[id] = aead
	}
	if _, ok := r.aeads[active]; !ok {
		return nil, fmt.Errorf("key ring: active key %q is not among the keys", active)
	}
	return r, nil
}

// DecodeKey decodes a configured secret: base64 (standard or URL
// alphabet, padded or not) of 32 bytes.
func DecodeKey(secret string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(secret); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("decode key: %d bytes, want %d", len(k), KeySize)
			}
			return k, nil
		}
	}
	return nil, errors.New("decode key: not base64")
}

// Active returns the id of the key that seals new data.
func (r *Ring) Active() string { return r.active }

// Has reports whether the ring holds the key id.
func (r *Ring) Has(id string) bool {
	_, ok := r.aeads[id]
	return ok
}

// IDs returns the ring's key ids, sorted.
func (r *Ring) IDs() []string {
	out := make([]string, 0, len(r.aeads))
	for id := range r.aeads {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Seal encrypts plain with the active key, bound to ad.
func (r *Ring) Seal(plain, ad []byte) []byte {
	aead := r.aeads[r.active]
	buf := make([]byte, nonceSize, nonceSize+len(plain)+aead.Overhead())
	_, _ = rand.Read(buf) // crypto/rand.Read never fails
	buf = aead.Seal(buf, buf[:nonceSize], plain, ad)
	enc := base64.RawURLEncoding
	out := make([]byte, 0, len(Prefix)+len(r.active)+1+enc.EncodedLen(len(buf)))
	out = append(out, Prefix...)
	out = append(out, r.active...)
	out = append(out, ':')
	return enc.AppendEncode(out, buf)
}

// KeyOf returns the key id a ciphertext names; ok is false when data is
// not a ciphertext.
func KeyOf(data []byte) (id string, ok bool) {
	id, _, ok = split(data)
	return id, ok
}

// IsSealed reports whether data has the ciphertext form.
func IsSealed(data []byte) bool {
	_, ok := KeyOf(data)
	return ok
}

// split parses the ciphertext form without decoding the payload.
func split(data []byte) (id string, payload []byte, ok bool) {
	rest, found := bytes.CutPrefix(data, []byte(Prefix))
	if !found {
		return "", nil, false
	}
	idb, payload, found := bytes.Cut(rest, []byte(":"))
	if !found || !validID(idb) || len(payload) == 0 {
		return "", nil, false
	}
	return string(idb), payload, true
}

// Open decrypts a ciphertext sealed for ad. Data that is not a ciphertext
// is ErrNotSealed and a ciphertext under a key the ring lacks is
// ErrUnknownKey: Open never hands back anything it did not authenticate.
func (r *Ring) Open(data, ad []byte) ([]byte, error) {
	id, payload, ok := split(data)
	if !ok {
		return nil, ErrNotSealed
	}
	aead, ok := r.aeads[id]
	if !ok {
		return nil, fmt.Errorf("open: key %q: %w", id, ErrUnknownKey)
	}
	raw, err := base64.RawURLEncoding.DecodeString(string(payload))
	if err != nil || len(raw) < nonceSize+aead.Overhead() {
		return nil, fmt.Errorf("open: key %q: %w", id, ErrCorrupt)
	}
	plain, err := aead.Open(nil, raw[:nonceSize], raw[nonceSize:], ad)
	if err != nil {
		return nil, fmt.Errorf("open: key %q: %w", id, ErrCorrupt)
	}
	if plain == nil {
		plain = []byte{}
	}
	return plain, nil
}

// OpenOrPlain is Open for data that may predate encryption: such data is
// returned as it is, with sealed false, so that the caller can count it
// and re-encrypt it. Ciphertexts get Open's checks.
func (r *Ring) OpenOrPlain(data, ad []byte) (plain []byte, sealed bool, err error) {
	if !IsSealed(data) {
		return data, false, nil
	}
	plain, err = r.Open(data, ad)
	return plain, true, err
}
