package sqlite

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ticketbridge/ticketbridge/internal/crypt"
	"github.com/ticketbridge/ticketbridge/internal/store"
)

// Option configures Open.
type Option func(*Store)

// WithCipher seals body columns with c (nil: plaintext).
func WithCipher(c store.Cipher) Option { return func(s *Store) { s.cipher = c } }

// errNoRing is a ciphertext read by a store without keys.
var errNoRing = errors.New("stored body is encrypted but no encryption keys are configured")

// The additional data of each sealed column names its row.
func adEventText(source, eventID string) []byte {
	return store.AD("tb_events", "text", source, eventID)
}
func adEventRaw(source, eventID string) []byte { return store.AD("tb_events", "raw", source, eventID) }
func adDesk(num int64) []byte {
	return store.AD("tb_desk_tickets", "description", strconv.FormatInt(num, 10))
}
func adComment(id int64) []byte {
	return store.AD("tb_desk_comments", "body", strconv.FormatInt(id, 10))
}
func adDryRun(id int64) []byte { return store.AD("tb_dry_runs", "draft", strconv.FormatInt(id, 10)) }

// seal encrypts a body value; empty values stay empty, and without a
// cipher everything stays as it is.
func (s *Store) seal(v []byte, ad []byte) []byte {
	if s.cipher == nil || len(v) == 0 {
		return v
	}
	return s.cipher.Seal(v, ad)
}

func (s *Store) sealString(v string, ad []byte) string { return string(s.seal([]byte(v), ad)) }

// open decrypts a body value. Plaintext from before encryption was turned
// on is passed through and counted; a ciphertext without its key fails.
func (s *Store) open(v []byte, ad []byte) ([]byte, error) {
	if len(v) == 0 {
		return v, nil
	}
	if s.cipher == nil {
		if crypt.IsSealed(v) {
			return nil, errNoRing
		}
		return v, nil
	}
	plain, sealed, err := s.cipher.OpenOrPlain(v, ad)
	if err != nil {
		return nil, fmt.Errorf("open body: %w", err)
	}
	if !sealed {
		s.plainReads.Add(1)
	}
	return plain, nil
}

func (s *Store) openString(v string, ad []byte) (string, error) {
	b, err := s.open([]byte(v), ad)
	return string(b), err
}

// PlainReads counts the plaintext bodies read while a cipher was set:
// data written before encryption was configured, which `keys rotate`
// encrypts.
func (s *Store) PlainReads() int64 { return s.plainReads.Load() }
