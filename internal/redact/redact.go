package redact

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Kind names what a span is. Built-in kinds are constants; a custom
// pattern's kind is "custom:" followed by its name.
type Kind string

// The built-in kinds.
const (
	Phone     Kind = "phone"
	IDCard    Kind = "id_card"
	BankCard  Kind = "bank_card"
	Email     Kind = "email"
	Landline  Kind = "landline"
	IntlPhone Kind = "intl_phone"
)

const customPrefix = "custom:"

// CustomKind is the kind of the custom pattern called name.
func CustomKind(name string) Kind { return Kind(customPrefix + name) }

// IsCustom reports whether k is a custom pattern's kind.
func (k Kind) IsCustom() bool { return strings.HasPrefix(string(k), customPrefix) }

// Span is one piece of personal data found in a string: its kind, its byte
// offsets [Start, End) and the text itself.
type Span struct {
	Kind  Kind   `json:"kind"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Custom is a configured pattern: a name ([A-Za-z0-9_-], at most 32
// characters) and a Go regular expression.
type Custom struct {
	Name    string `yaml:"name" json:"name"`
	Pattern string `yaml:"pattern" json:"pattern"`
}

type customPattern struct {
	kind Kind
	re   *regexp.Regexp
}

// Redactor finds and masks personal data. It holds no mutable state and is
// safe for concurrent use.
type Redactor struct {
	custom []customPattern
}

// ErrBadPattern is wrapped by New's errors about a custom pattern.
var ErrBadPattern = errors.New("bad custom pattern")

// New builds a Redactor with the built-in detectors and the given custom
// patterns. A pattern with a bad name, a duplicate name or a regular
// expression that does not compile is an error naming it.
func New(custom []Custom) (*Redactor, error) {
	r := &Redactor{}
	seen := make(map[string]bool, len(custom))
	for i, c := range custom {
		if !validName(c.Name) {
			return nil, fmt.Errorf("custom pattern %d: name %q: want 1-32 of A-Z a-z 0-9 _ -: %w", i, c.Name, ErrBadPattern)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("custom pattern %q: duplicate name: %w", c.Name, ErrBadPattern)
		}
		seen[c.Name] = true
		if c.Pattern == "" {
			return nil, fmt.Errorf("custom pattern %q: empty pattern: %w", c.Name, ErrBadPattern)
		}
		re, err := regexp.Compile(c.Pattern)
		if err != nil {
			return nil, fmt.Errorf("custom pattern %q: %w: %w", c.Name, ErrBadPattern, err)
		}
		r.custom = append(r.custom, customPattern{kind: CustomKind(c.Name), re: re})
	}
	return r, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isWordByte(c) && c != '-' {
			return false
		}
	}
	return true
}

// candidate is a possible span before overlaps are resolved; rank breaks
// ties between candidates of equal length (higher is more specific).
type candidate struct {
	kind       Kind
	start, end int
	rank       int
}

// Ranks, most specific first. A checksummed ID beats a Luhn-valid card of
// the same length; a legacy 15-digit ID, which has no checksum, loses to a
// card.
const (
	rankIntl = iota + 1
	rankLandline
	rankPhone
	rankID15
	rankEmail
	rankCard
	rankID18
	rankCustom
)

// Find returns the personal data in s, ordered by Start, without overlaps.
func (r *Redactor) Find(s string) []Span {
	var buf [16]candidate
	cands := r.candidates(s, buf[:0])
	if len(cands) == 0 {
		return nil
	}
	picked := resolve(cands)
	// A match glued to the end of another ("…5678+44 20…") fails its
	// left-boundary check, yet once the first is masked it would stand
	// alone and be found: look again at every kept end until nothing new
	// turns up, so that masking leaves nothing detectable behind.
	var tried map[int]bool
	for {
		n := len(cands)
		for _, k := range picked {
			e := k.end
			if e >= len(s) || tried[e] {
				continue
			}
			email := isLocalByte(s[e]) // an address whose local part ran into k
			// A start right at e, or after the "." or "-" that blocked it.
			start := -1
			for _, p := range [2]int{e, e + 1} {
				if p < len(s) && startsMatch(s[p]) && !leftOK(s, p) {
					start = p
					break
				}
			}
			if !email && start < 0 {
				continue
			}
			if tried == nil {
				tried = make(map[int]bool)
			}
			tried[e] = true
			if email {
				j := e
				for j < len(s) && isLocalByte(s[j]) {
					j++
				}
				if j < len(s) && s[j] == '@' {
					cands = matchEmailFrom(s, e, j, cands)
				}
			}
			if start >= 0 {
				cands = startingAt(s, start, cands)
			}
		}
		if len(cands) == n {
			break
		}
		picked = resolve(cands)
	}
	spans := make([]Span, len(picked))
	for i, c := range picked {
		spans[i] = Span{Kind: c.kind, Start: c.start, End: c.end, Text: s[c.start:c.end]}
	}
	return spans
}

func (r *Redactor) candidates(s string, out []candidate) []candidate {
	out = scan(s, out)
	for _, cp := range r.custom {
		for _, loc := range cp.re.FindAllStringIndex(s, -1) {
			if loc[1] > loc[0] {
				out = append(out, candidate{kind: cp.kind, start: loc[0], end: loc[1], rank: rankCustom})
			}
		}
	}
	return out
}

// resolve keeps the longest candidates (then the most specific, then the
// leftmost) that do not overlap one already kept, and returns them in
// text order.
func resolve(cands []candidate) []candidate {
	if len(cands) == 1 {
		return cands
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		if la, lb := a.end-a.start, b.end-b.start; la != lb {
			return lb - la
		}
		if a.rank != b.rank {
			return b.rank - a.rank
		}
		return a.start - b.start
	})
	kept := cands[:0:0]
	for _, c := range cands {
		overlaps := false
		for _, k := range kept {
			if c.start < k.end && k.start < c.end {
				overlaps = true
				break
			}
		}
		if !overlaps {
			kept = append(kept, c)
		}
	}
	slices.SortFunc(kept, func(a, b candidate) int { return a.start - b.start })
	return kept
}
