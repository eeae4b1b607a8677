package sqlite_test

import (
	"strings"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
	"github.com/ticketbridge/ticketbridge/internal/store"
	"github.com/ticketbridge/ticketbridge/internal/store/sqlite"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest"
	"github.com/ticketbridge/ticketbridge/internal/store/storetest/teststore"
)

func TestConformanceEncrypted(t *testing.T) {
	t.Parallel()
	ring := storetest.TestRing(t, "k1", "k1")
	storetest.Run(t, func(t *testing.T) store.Store { return teststore.SQLite(t, sqlite.WithCipher(ring)) })
}

func TestKeys(t *testing.T) {
	t.Parallel()
	storetest.RunKeys(t, teststore.SQLiteReopener(t))
}

// TestSealedAtRest looks at the file's rows: no plaintext, and a
// ciphertext moved to another row does not open.
func TestSealedAtRest(t *testing.T) {
	t.Parallel()
	s := teststore.SQLite(t, sqlite.WithCipher(storetest.TestRing(t, "k1", "k1")))
	ctx := t.Context()
	c := core.ConversationRef{Source: "slack", Conversation: "C1"}
	_, err := s.IngestBatch(ctx, []core.Event{
		{Source: "slack", EventID: "E1", Kind: core.KindMessage, Conversation: c, Text: "secret one", Raw: []byte("raw one")},
		{Source: "slack", EventID: "E2", Kind: core.KindMessage, Conversation: c, Text: "secret two"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var text string
	var raw []byte
	if err := s.DB().QueryRowContext(ctx, `SELECT body_text, body_raw FROM tb_events WHERE event_id = 'E1'`).Scan(&text, &raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "tb1:k1:") || strings.Contains(text, "secret") || strings.Contains(string(raw), "raw one") {
		t.Fatalf("stored body_text %q, body_raw %q: want ciphertexts", text, raw)
	}
	if _, err := s.DB().ExecContext(ctx, `UPDATE tb_events SET body_text = ? WHERE event_id = 'E2'`, text); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ConversationEventsAfter(ctx, c.Key(), 0, 10); err == nil {
		t.Fatal("a ciphertext swapped into another row was opened")
	}
}

func TestAuditAppendOnly(t *testing.T) {
	t.Parallel()
	s := teststore.SQLite(t)
	if err := s.AuditAdd(t.Context(), store.AuditEntry{Actor: "a", Action: "x"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE tb_audit SET actor = 'b'`, `DELETE FROM tb_audit`} {
		if _, err := s.DB().ExecContext(t.Context(), q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: error = %v, want the trigger's refusal", q, err)
		}
	}
}
