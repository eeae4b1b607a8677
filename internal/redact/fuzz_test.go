package redact

import (
	"strings"
	"testing"
)

// FuzzMask checks, for any input: Find and Mask never panic; spans are
// ordered, disjoint and name their own text; a span's text survives full
// or drop masking only where it also appears outside every span; partial
// masking changes every span; and nothing is left for Find after full
// masking. Seeds are in testdata/fuzz/FuzzMask.
func FuzzMask(f *testing.F) {
	r, err := New(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spans := r.Find(s)
		prev := 0
		var gaps strings.Builder
		for _, sp := range spans {
			if sp.Start < prev || sp.End <= sp.Start || sp.End > len(s) || s[sp.Start:sp.End] != sp.Text {
				t.Fatalf("bad span %+v after offset %d in %q", sp, prev, s)
			}
			gaps.WriteString(s[prev:sp.Start])
			gaps.WriteByte(0) // gaps must not join into a new occurrence
			prev = sp.End
		}
		gaps.WriteString(s[prev:])
		outside := gaps.String()

		for _, m := range []Mode{Full, Drop} {
			out := r.Mask(s, Policy{Default: m})
			for _, sp := range spans {
				if strings.Count(out, sp.Text) > strings.Count(outside, sp.Text) {
					t.Fatalf("%s mask of %q still has %s %q: %q", m, s, sp.Kind, sp.Text, out)
				}
			}
		}
		for _, sp := range spans {
			if got := Apply(sp.Text, []Span{{Kind: sp.Kind, Start: 0, End: len(sp.Text), Text: sp.Text}}, Policy{Default: Partial}); got == sp.Text {
				t.Fatalf("partial mask left %s %q unchanged", sp.Kind, sp.Text)
			}
		}
		full := r.Mask(s, Policy{Default: Full})
		if again := r.Find(full); len(again) > 0 {
			t.Fatalf("full mask of %q = %q still has %+v", s, full, again)
		}
	})
}
