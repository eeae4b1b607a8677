package sqlite

import (
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Option configures Open.
type Option func(*Store)

// WithCipher seals body columns with c (nil: plaintext).
func WithCipher(c store.Cipher) Option { return func(s *Store) { s.cipher = c } }

// seal and open pass body columns through the key ring (store.SealBody,
// store.OpenBody).
func (s *Store) seal(v []byte, ad []byte) []byte { return store.SealBody(s.cipher, v, ad) }

func (s *Store) open(v []byte, ad []byte) ([]byte, error) {
	return store.OpenBody(s.cipher, &s.plainReads, v, ad)
}

func (s *Store) sealString(v string, ad []byte) string { return string(s.seal([]byte(v), ad)) }

func (s *Store) openString(v string, ad []byte) (string, error) {
	b, err := s.open([]byte(v), ad)
	return string(b), err
}

// PlainReads counts the plaintext bodies read while a cipher was set:
// data written before encryption was configured, which `keys rotate`
// encrypts.
func (s *Store) PlainReads() int64 { return s.plainReads.Load() }
