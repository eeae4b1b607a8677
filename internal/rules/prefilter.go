package rules

import (
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// prefilter holds literals of which every match of a pattern contains at
// least one. Checking them with strings.Contains rules most patterns out
// for most messages far faster than running the regexp (the pack's
// patterns dominated the cost of deciding on chatter); a nil prefilter
// rules nothing out.
type prefilter []string

// maxPrefilterLiterals bounds the literals checked before giving up on
// the prefilter and running the regexp anyway.
const maxPrefilterLiterals = 64

// newPrefilter derives the prefilter of a pattern that runs on
// normalized (lower-case) text.
func newPrefilter(expr string) prefilter {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	lits, ok := mustContain(re.Simplify())
	if !ok || len(lits) > maxPrefilterLiterals {
		return nil
	}
	return lits
}

// mayMatch reports whether text contains one of the literals.
func (p prefilter) mayMatch(text string) bool {
	if p == nil {
		return true
	}
	for _, l := range p {
		if strings.Contains(text, l) {
			return true
		}
	}
	return false
}

// mustContain returns literals one of which every match of re contains,
// or false when it cannot tell.
func mustContain(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		s := string(re.Rune)
		if re.Flags&syntax.FoldCase != 0 {
			s = strings.ToLower(s)
		}
		return []string{s}, s != ""
	case syntax.OpCapture, syntax.OpPlus:
		return mustContain(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return mustContain(re.Sub[0])
		}
	case syntax.OpConcat:
		return bestOfConcat(re.Sub)
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			lits, ok := mustContain(sub)
			if !ok {
				return nil, false
			}
			out = append(out, lits...)
		}
		return out, true
	}
	return nil, false
}

// bestOfConcat picks, of a sequence's parts, the one whose literals are
// the most selective: the longest shortest literal. Adjacent literal parts
// are joined first ("ref" "und" → "refund").
func bestOfConcat(subs []*syntax.Regexp) ([]string, bool) {
	var best []string
	consider := func(lits []string) {
		if shortest(lits) > shortest(best) {
			best = lits
		}
	}
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			consider([]string{run.String()})
			run.Reset()
		}
	}
	for _, sub := range subs {
		if sub.Op == syntax.OpLiteral {
			lits, _ := mustContain(sub)
			run.WriteString(lits[0])
			continue
		}
		flush()
		if lits, ok := mustContain(sub); ok {
			consider(lits)
		}
	}
	flush()
	return best, best != nil
}

// shortest is the rune length of the shortest literal, 0 for none.
func shortest(lits []string) int {
	if len(lits) == 0 {
		return 0
	}
	n := utf8.RuneCountInString(lits[0])
	for _, l := range lits[1:] {
		n = min(n, utf8.RuneCountInString(l))
	}
	return n
}
