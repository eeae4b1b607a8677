package sqlite

import (
	"encoding/json"
	"testing"

	"github.com/ticketbridge/ticketbridge/internal/core"
)

// senderText must write what json.Marshal writes, byte for byte: rows
// stored before it and after it are read by the same code.
func TestSenderTextMatchesMarshal(t *testing.T) {
	for _, s := range []core.Sender{
		{},
		{ID: "U123"},
		{ID: "s-load-1", Role: core.RoleCustomer},
		{ID: "u", Name: "Ann Lee", Email: "ann@example.com", Role: core.RoleAgent},
		{ID: "u", Name: "Ann <admin> & co"},
		{ID: `quote"back\slash`},
		{ID: "u", Name: "张三"},
		{ID: "tab\there", Email: "\u2028"},
		{ID: "bad\xffutf8"},
	} {
		compareSender(t, s)
	}
}

func FuzzSenderText(f *testing.F) {
	f.Add("U1", "Ann", "a@b.c", "customer")
	f.Add("", "", "", "")
	f.Add("<&>", "\x00", "\xff", "é")
	f.Fuzz(func(t *testing.T, id, name, email, role string) {
		compareSender(t, core.Sender{ID: id, Name: name, Email: email, Role: core.Role(role)})
	})
}

func compareSender(t *testing.T, s core.Sender) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := senderText(s)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("senderText(%+v) = %s, json.Marshal gives %s", s, got, want)
	}
}

// BenchmarkSenderText compares the direct encoding of a plain sender with
// json.Marshal and the string conversion it replaced.
func BenchmarkSenderText(b *testing.B) {
	s := core.Sender{ID: "s-load-abc-123", Role: core.RoleCustomer}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := senderText(s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bs, err := json.Marshal(s)
			if err != nil {
				b.Fatal(err)
			}
			_ = string(bs)
		}
	})
}
