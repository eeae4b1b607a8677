package rules

import (
	"strings"
	"testing"
)

// normalizeASCII must give what the rune-by-rune loop gives on every
// ASCII text, and decline anything else.
func TestNormalizeASCIIMatchesRunes(t *testing.T) {
	t.Parallel()
	var all strings.Builder
	for c := range 0x80 {
		all.WriteByte(byte(c))
	}
	texts := []string{
		"", " ", "\t\n", "  Hello,\tWORLD \r\n ", "I DON'T get it", "it`s broken", "a\vb\fc\x1cd\x85",
		"thanks, that answers my question #12345", all.String(), strings.ToUpper(all.String()),
	}
	for _, l := range readCorpus(t) {
		texts = append(texts, l.Text)
	}
	ascii := 0
	for _, s := range texts {
		got, ok := normalizeASCII(s)
		isASCII := true
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				isASCII = false
			}
		}
		if ok != isASCII {
			t.Fatalf("normalizeASCII(%q) ok = %v, want %v", s, ok, isASCII)
		}
		if !ok {
			continue
		}
		ascii++
		if want := normalizeRunes(s); got != want {
			t.Errorf("normalizeASCII(%q) = %q, rune loop %q", s, got, want)
		}
	}
	if ascii < 100 {
		t.Fatalf("only %d ASCII texts compared", ascii)
	}
}

func FuzzNormalizeASCII(f *testing.F) {
	f.Add("  Hello,\tWORLD \r\n ")
	f.Add("it`s BROKEN\x00\x7f")
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := normalizeASCII(s)
		if !ok {
			return
		}
		if want := normalizeRunes(s); got != want {
			t.Fatalf("normalizeASCII(%q) = %q, rune loop %q", s, got, want)
		}
	})
}
