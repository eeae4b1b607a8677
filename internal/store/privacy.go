package store

import (
	"context"
	"fmt"
	"time"
)

// Cipher seals and opens the body columns (event text and raw payload,
// desk ticket descriptions and comment bodies, dry-run drafts).
// *crypt.Ring implements it; a store opened without one keeps plaintext.
// ad names the row and column, so a ciphertext moved to another row does
// not open.
type Cipher interface {
	Active() string
	Has(id string) bool
	Seal(plain, ad []byte) []byte
	Open(data, ad []byte) ([]byte, error)
	// OpenOrPlain passes data written before encryption was configured
	// through unchanged, with sealed false.
	OpenOrPlain(data, ad []byte) (plain []byte, sealed bool, err error)
}

// PlainKey is the BodiesByKey entry counting values stored as plaintext.
const PlainKey = ""

// Bodies is encryption at rest seen from the data: which keys it needs,
// and re-sealing it under the active key.
type Bodies interface {
	// CheckKeys fails unless every key id found in the stored bodies is in
	// the store's ring (any key at all, when it has none): a missing key
	// is a start-up error, never silent plaintext.
	CheckKeys(ctx context.Context) error
	// BodiesByKey counts the non-empty body values per key id; PlainKey
	// counts plaintext ones.
	BodiesByKey(ctx context.Context) (map[string]int, error)
	// BodiesRekey re-seals with the active key at most batch rows whose
	// bodies are plaintext or under another key, and returns how many it
	// did; 0 means none are left. Calling it again is harmless.
	BodiesRekey(ctx context.Context, batch int) (int, error)
}

// CheckKeys is the shared half of the stores' CheckKeys.
func CheckKeys(counts map[string]int, c Cipher) error {
	for id, n := range counts {
		if id == PlainKey || n == 0 {
			continue
		}
		if c == nil {
			return fmt.Errorf("check keys: %d stored values are encrypted with key %q but no encryption keys are configured", n, id)
		}
		if !c.Has(id) {
			return fmt.Errorf("check keys: %d stored values are encrypted with key %q, which is not in the key ring", n, id)
		}
	}
	return nil
}

// RetentionPolicy says after how many days event bodies go: Days for every
// source without an entry in Sources (0 keeps them forever).
type RetentionPolicy struct {
	Days    int
	Sources map[string]int
}

// DaysFor is the retention of one source in days; 0 keeps everything.
func (p RetentionPolicy) DaysFor(source string) int {
	if d, ok := p.Sources[source]; ok {
		return d
	}
	return p.Days
}

// Cutoff is the time before which a source's events are purged; ok is
// false when the source keeps everything.
func (p RetentionPolicy) Cutoff(source string, now time.Time) (time.Time, bool) {
	d := p.DaysFor(source)
	if d <= 0 {
		return time.Time{}, false
	}
	return now.Add(-time.Duration(d) * 24 * time.Hour), true
}

// PurgeCandidate is an event whose bodies are due to be purged, with what
// its attachments' blob keys are made of: blobs are stored under
// "<link id>/<event id>/<attachment id>", for any link of the conversation.
type PurgeCandidate struct {
	ID          int64
	Source      string
	At          time.Time
	Links       []string // ids of every link of the event's conversation
	Attachments []string // attachment ids
}

// Retention purges message content after the retention period. A purged
// event keeps its row (dedupe and order need it) but loses its text, raw
// payload and attachment list.
type Retention interface {
	// RetentionCount counts, per source, the events not yet purged whose
	// time is before the source's cutoff.
	RetentionCount(ctx context.Context, p RetentionPolicy, now time.Time) (map[string]int, error)
	// RetentionList returns at most limit of those events, lowest id first.
	RetentionList(ctx context.Context, p RetentionPolicy, now time.Time, limit int) ([]PurgeCandidate, error)
	// RetentionPurge empties the bodies of these events (listed by
	// RetentionList, once their blobs are gone) and returns how many were
	// not purged already.
	RetentionPurge(ctx context.Context, ids []int64) (int, error)
}

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID     int64          `json:"id"`
	At     time.Time      `json:"at"`
	Actor  string         `json:"actor"`  // token name, "cli:<os user>", "system"
	Action string         `json:"action"` // e.g. desk.comment, dlq.replay, keys.rotate
	Target string         `json:"target,omitempty"`
	Detail map[string]any `json:"detail,omitempty"`
}

// AuditFilter selects audit entries; zero fields select everything, and a
// Limit <= 0 means 100.
type AuditFilter struct {
	Actor  string
	Action string
	Since  time.Time
	Limit  int
	// Before, when not 0, selects entries older than the one with this id
	// (the cursor of the next page).
	Before int64
}

// Audit is the append-only audit log: there is no way to change or
// remove an entry, and the database refuses it too.
type Audit interface {
	AuditAdd(ctx context.Context, e AuditEntry) error
	// AuditList returns matching entries, newest first.
	AuditList(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// AuditLimit is the default and the cap of AuditFilter.Limit.
func (f AuditFilter) AuditLimit() int {
	switch {
	case f.Limit <= 0:
		return 100
	case f.Limit > 10000:
		return 10000
	}
	return f.Limit
}

// AD is the additional data binding a sealed value to its table, column
// and row; parts identify the row.
func AD(table, column string, parts ...string) []byte {
	b := make([]byte, 0, 64)
	b = append(b, table...)
	b = append(b, 0)
	b = append(b, column...)
	for _, p := range parts {
		b = append(b, 0)
		b = append(b, p...)
	}
	return b
}
