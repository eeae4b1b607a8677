package crypt

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func ring(t testing.TB, active string, ids ...string) *Ring {
	t.Helper()
	keys := map[string][]byte{}
	for i, id := range ids {
		keys[id] = key(byte(i + 1))
	}
	r, err := NewRing(active, keys)
	if err != nil {
		t.Fatalf("NewRing: %v", err)
	}
	return r
}

func TestNewRingRejects(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		active string
		keys   map[string][]byte
		want   string
	}{
		"no keys":        {"k1", nil, "no keys"},
		"short key":      {"k1", map[string][]byte{"k1": key(1)[:16]}, "16 bytes"},
		"active missing": {"k2", map[string][]byte{"k1": key(1)}, "active key"},
		"bad id":         {"a:b", map[string][]byte{"a:b": key(1)}, "key id"},
		"empty id":       {"", map[string][]byte{"": key(1)}, "key id"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := NewRing(tc.active, tc.keys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewRing error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	old := ring(t, "k1", "k1")
	both := ring(t, "k2", "k1", "k2")
	only2, err := NewRing("k2", map[string][]byte{"k2": key(2)})
	if err != nil {
		t.Fatal(err)
	}
	ad := []byte("tb_events\x00text\x00slack\x00E1")
	ct1 := old.Seal([]byte("hello"), ad)
	ct2 := both.Seal([]byte("hello"), ad)
	tampered := bytes.Clone(ct2)
	tampered[len(tampered)-2] ^= 1

	tests := map[string]struct {
		r       *Ring
		data    []byte
		ad      []byte
		want    string
		wantErr error
	}{
		"same ring":          {old, ct1, ad, "hello", nil},
		"old key kept":       {both, ct1, ad, "hello", nil},
		"active key":         {both, ct2, ad, "hello", nil},
		"key missing":        {only2, ct1, ad, "", ErrUnknownKey},
		"other row":          {both, ct2, []byte("tb_events\x00text\x00slack\x00E2"), "", ErrCorrupt},
		"tampered":           {both, tampered, ad, "", ErrCorrupt},
		"plaintext":          {both, []byte("hello"), ad, "", ErrNotSealed},
		"prefix only":        {both, []byte("tb1:k2:"), ad, "", ErrNotSealed},
		"truncated payload":  {both, []byte("tb1:k2:AAAA"), ad, "", ErrCorrupt},
		"not base64 payload": {both, []byte("tb1:k2:***"), ad, "", ErrCorrupt},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.r.Open(tc.data, tc.ad)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Open error = %v, want %v", err, tc.wantErr)
			}
			if err == nil && string(got) != tc.want {
				t.Fatalf("Open = %q, want %q", got, tc.want)
			}
			if err != nil && got != nil {
				t.Fatalf("Open returned %q along with an error", got)
			}
		})
	}
}

func TestCiphertextForm(t *testing.T) {
	t.Parallel()
	r := ring(t, "2025-01", "2025-01")
	a := r.Seal([]byte("same"), nil)
	b := r.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same text are equal: nonce reused")
	}
	if !strings.HasPrefix(string(a), "tb1:2025-01:") {
		t.Fatalf("ciphertext %q lacks the tb1:<id>: prefix", a)
	}
	if id, ok := KeyOf(a); !ok || id != "2025-01" {
		t.Fatalf("KeyOf = %q, %v", id, ok)
	}
	if bytes.Contains(a, []byte("same")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	empty, err := r.Open(r.Seal(nil, nil), nil)
	if err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("Open(Seal(nil)) = %q, %v; want empty, non-nil", empty, err)
	}
}

func TestOpenOrPlain(t *testing.T) {
	t.Parallel()
	r := ring(t, "k1", "k1")
	got, sealed, err := r.OpenOrPlain([]byte("legacy text"), nil)
	if err != nil || sealed || string(got) != "legacy text" {
		t.Fatalf("OpenOrPlain(plain) = %q, %v, %v", got, sealed, err)
	}
	got, sealed, err = r.OpenOrPlain(r.Seal([]byte("new"), nil), nil)
	if err != nil || !sealed || string(got) != "new" {
		t.Fatalf("OpenOrPlain(sealed) = %q, %v, %v", got, sealed, err)
	}
	other := ring(t, "k9", "k9")
	if _, _, err := r.OpenOrPlain(other.Seal([]byte("x"), nil), nil); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("OpenOrPlain(foreign key) error = %v, want ErrUnknownKey", err)
	}
}

func TestDecodeKey(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in string
		ok bool
	}{
		"std":      {"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=", true},
		"raw url":  {"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE", true},
		"16 bytes": {"AQEBAQEBAQEBAQEBAQEBAQ==", false},
		"garbage":  {"not base64!", false},
	} {
		k, err := DecodeKey(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: DecodeKey error = %v, want ok %v", name, err, tc.ok)
		}
		if tc.ok && !bytes.Equal(k, key(1)) {
			t.Errorf("%s: key = %x", name, k)
		}
	}
}

func FuzzOpen(f *testing.F) {
	r := ring(f, "k1", "k1")
	f.Add(r.Seal([]byte("hello"), []byte("ad")), []byte("ad"))
	f.Add([]byte("tb1:k1:"), []byte(nil))
	f.Add([]byte("tb1:zz:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), []byte(nil))
	f.Add([]byte("plain"), []byte("x"))
	f.Fuzz(func(t *testing.T, data, ad []byte) {
		plain, err := r.Open(data, ad)
		if err != nil {
			if plain != nil {
				t.Fatalf("Open returned data with error %v", err)
			}
			return
		}
		// Whatever opens must seal back to something that opens the same.
		again, err := r.Open(r.Seal(plain, ad), ad)
		if err != nil || !bytes.Equal(again, plain) {
			t.Fatalf("round trip of %q: %q, %v", plain, again, err)
		}
		if _, sealed, _ := r.OpenOrPlain(data, ad); !sealed {
			t.Fatal("Open accepted data OpenOrPlain calls plaintext")
		}
	})
}

func BenchmarkSealOpen(b *testing.B) {
	r := ring(b, "k1", "k1")
	msg := bytes.Repeat([]byte("a chat message body "), 25) // 500 bytes
	ad := []byte("tb_events\x00text\x00slack\x00E1")
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := r.Open(r.Seal(msg, ad), ad); err != nil {
			b.Fatal(err)
		}
	}
}
