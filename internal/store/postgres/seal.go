package postgres

import (
	"encoding/json"

	"github.com/ticketbridge/ticketbridge/internal/store"
)

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

// Drafts live in a jsonb column: a sealed draft is stored as a JSON
// string holding the ciphertext, a plaintext one as the draft's object.
func (s *Store) sealDraft(draft []byte, id int64) (string, error) {
	if s.cipher == nil {
		return string(draft), nil
	}
	b, err := json.Marshal(s.sealString(string(draft), store.ADDryRun(id)))
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func (s *Store) openDraft(stored []byte, id int64) ([]byte, error) {
	var ct string
	if len(stored) == 0 || stored[0] != '"' {
		if s.cipher != nil && len(stored) > 0 {
			s.plainReads.Add(1)
		}
		return stored, nil
	}
	if err := json.Unmarshal(stored, &ct); err != nil {
		return nil, err
	}
	return s.open([]byte(ct), store.ADDryRun(id))
}
