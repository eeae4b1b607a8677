package redact

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Mode is how a kind is masked.
type Mode string

// The masking modes.
const (
	// Partial keeps what lets a person recognise the value (a phone's
	// first three and last four digits, an e-mail's domain) and stars the
	// rest in place.
	Partial Mode = "partial"
	// Full replaces the value with its kind in brackets, e.g. [PHONE].
	Full Mode = "full"
	// Drop removes the value.
	Drop Mode = "drop"
)

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Partial, Full, Drop:
		return m, nil
	}
	return "", fmt.Errorf("unknown redaction mode %q (want partial, full or drop)", s)
}

// Policy says how each kind is masked. PerKind may name a kind exactly, or
// "custom" for every custom pattern without its own entry. A kind with no
// entry gets Default; an empty Default means Full, the safe choice.
type Policy struct {
	Default Mode
	PerKind map[Kind]Mode
}

// ModeFor is the mode the policy gives kind k.
func (p Policy) ModeFor(k Kind) Mode {
	if m, ok := p.PerKind[k]; ok && m != "" {
		return m
	}
	if k.IsCustom() {
		if m, ok := p.PerKind["custom"]; ok && m != "" {
			return m
		}
	}
	if p.Default == "" {
		return Full
	}
	return p.Default
}

// Mask returns s with every span Find reports masked under p.
//
// Masking one value can free a neighbour that was glued to it and so not
// detected ("+1 0000 000000 0009": which groups belong to the phone?), so
// Mask looks at its own output again, a bounded number of times, until
// nothing more is found.
func (r *Redactor) Mask(s string, p Policy) string {
	out := Apply(s, r.Find(s), p)
	for pass := 0; pass < 3 && out != s; pass++ {
		s = out
		out = Apply(s, r.Find(s), p)
	}
	return out
}

// Apply masks the given spans of s under p. Spans must be ordered and not
// overlap, as Find returns them; callers that need both the spans and the
// masked text use it to avoid scanning twice.
func Apply(s string, spans []Span, p Policy) string {
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.Start])
		switch p.ModeFor(sp.Kind) {
		case Drop:
			// Closing the gap must not glue the two sides into something
			// new, such as "(010" + ")1000000".
			if sp.Start > 0 && sp.End < len(s) && gluey(s[sp.Start-1]) && gluey(s[sp.End]) {
				b.WriteByte(' ')
			}
		case Partial:
			writePartial(&b, sp)
		default:
			b.WriteString(Label(sp.Kind))
		}
		last = sp.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// Label is the full mask of a kind: [PHONE], [ID_CARD], or for a custom
// pattern its name in capitals with dashes as underscores.
func Label(k Kind) string {
	name := strings.TrimPrefix(string(k), customPrefix)
	return "[" + strings.ReplaceAll(strings.ToUpper(name), "-", "_") + "]"
}

func writePartial(b *strings.Builder, sp Span) {
	t := sp.Text
	n := countDigits(t)
	switch sp.Kind {
	case Phone:
		// Keep any country prefix and the first three and last four
		// digits of the eleven.
		starDigits(b, t, n-8, 4)
	case IDCard:
		if n == 18 {
			starDigits(b, t, 6, 4)
		} else {
			starDigits(b, t, 6, 3)
		}
	case BankCard:
		starDigits(b, t, 4, 4)
	case Landline:
		head := 4
		if i := strings.IndexAny(t, "0"); i >= 0 && (strings.HasPrefix(t[i:], "010") || strings.HasPrefix(t[i:], "02")) {
			head = 3
		}
		// The extension is not part of the number; it stays visible.
		main := len(t)
		if m, _, ok := landlineAt(t, 0); ok {
			main = m
		}
		starDigits(b, t[:main], head, 4)
		b.WriteString(t[main:])
	case IntlPhone:
		starDigits(b, t, 2, 4)
	case Email:
		at := strings.LastIndexByte(t, '@')
		_, size := utf8.DecodeRuneInString(t)
		b.WriteString(t[:size])
		b.WriteString("***")
		b.WriteString(t[at:])
	default:
		starRunes(b, t)
	}
}

// countDigits counts the digits of t, and an ID's X.
func countDigits(t string) int {
	n := 0
	for i := 0; i < len(t); i++ {
		if isDigit(t[i]) || t[i] == 'X' || t[i] == 'x' {
			n++
		}
	}
	return n
}

// starDigits writes t with its digits starred except the first head and
// the last tail, keeping separators where the writer put them.
func starDigits(b *strings.Builder, t string, head, tail int) {
	n := countDigits(t)
	if head+tail >= n {
		// Never return a value unchanged: star at least the middle.
		head, tail = n/3, n/3
	}
	j := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		if isDigit(c) || c == 'X' || c == 'x' {
			if j >= head && j < n-tail {
				c = '*'
			}
			j++
		}
		b.WriteByte(c)
	}
}

// starRunes masks a custom match: every rune starred except the last four
// when there are at least eight, so short values are hidden entirely.
func starRunes(b *strings.Builder, t string) {
	n := utf8.RuneCountInString(t)
	keep := 0
	if n >= 8 {
		keep = 4
	}
	j := 0
	for i, r := range t {
		if j >= n-keep {
			b.WriteString(t[i:])
			return
		}
		if r == ' ' {
			b.WriteByte(' ')
		} else {
			b.WriteByte('*')
		}
		j++
	}
}

// gluey bytes can be part of a match; two of them side by side could form
// one.
func gluey(c byte) bool {
	return isLocalByte(c) || c == '(' || c == ')' || c == '@'
}
