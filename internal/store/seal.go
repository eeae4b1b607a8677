package store

import (
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/crypt"
)

// ErrNoRing is a ciphertext read by a store without keys.
var ErrNoRing = errors.New("stored body is encrypted but no encryption keys are configured")

// The additional data of each sealed column names its row, so a
// ciphertext cannot be moved to another row or column.

// ADEventText binds an event's text.
func ADEventText(source, eventID string) []byte { return AD("tb_events", "text", source, eventID) }

// ADEventRaw binds an event's raw payload.
func ADEventRaw(source, eventID string) []byte { return AD("tb_events", "raw", source, eventID) }

// ADDesk binds a desk ticket's description.
func ADDesk(num int64) []byte {
	return AD("tb_desk_tickets", "description", strconv.FormatInt(num, 10))
}

// ADComment binds a desk comment's body.
func ADComment(id int64) []byte { return AD("tb_desk_comments", "body", strconv.FormatInt(id, 10)) }

// ADDryRun binds a dry run's draft.
func ADDryRun(id int64) []byte { return AD("tb_dry_runs", "draft", strconv.FormatInt(id, 10)) }

// ADInbox binds a chat inbox message's text.
func ADInbox(id int64) []byte { return AD("tb_chat_inbox", "text", strconv.FormatInt(id, 10)) }

// SealBody encrypts a body value with c; empty values stay empty, and
// without a cipher everything stays as it is. Both stores seal through it.
func SealBody(c Cipher, v, ad []byte) []byte {
	if c == nil || len(v) == 0 {
		return v
	}
	return c.Seal(v, ad)
}

// SealEvent seals an event's text and raw payload for the body columns;
// an empty payload is nil (NULL). Both stores store every event through
// it, so without a cipher it returns the values as they are, without
// building their associated data or copying the text.
func SealEvent(c Cipher, e core.Event) (string, []byte) {
	var raw []byte
	if c == nil {
		if len(e.Raw) > 0 {
			raw = e.Raw
		}
		return e.Text, raw
	}
	if len(e.Raw) > 0 {
		raw = SealBody(c, e.Raw, ADEventRaw(e.Source, e.EventID))
	}
	return string(SealBody(c, []byte(e.Text), ADEventText(e.Source, e.EventID))), raw
}

// OpenBody decrypts a body value. Plaintext from before encryption was
// turned on is passed through and counted in plainReads; a ciphertext
// without its key fails.
func OpenBody(c Cipher, plainReads *atomic.Int64, v, ad []byte) ([]byte, error) {
	if len(v) == 0 {
		return v, nil
	}
	if c == nil {
		if crypt.IsSealed(v) {
			return nil, ErrNoRing
		}
		return v, nil
	}
	plain, sealed, err := c.OpenOrPlain(v, ad)
	if err != nil {
		return nil, fmt.Errorf("open body: %w", err)
	}
	if !sealed {
		plainReads.Add(1)
	}
	return plain, nil
}
