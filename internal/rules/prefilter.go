package rules

import (
	"regexp/syntax"
	"strings"
)

// The pack has about a hundred regular expressions, and Go's regexp
// costs a few microseconds per expression even on a short message that
// cannot match. Almost every pattern needs one of a few literal words
// ("charged", "退款"); the prefilter finds which literals a message holds
// in one pass, and only patterns with a literal present are run. This
// keeps a decision within its 20 µs budget (BenchmarkDecide).

// prefilter indexes every pattern's literals by their first two bytes.
type prefilter struct {
	lits   []string
	ids    map[string]int32
	byPair map[uint16][]int32
	single [256][]int32
}

func newPrefilter() *prefilter {
	return &prefilter{ids: map[string]int32{}, byPair: map[uint16][]int32{}}
}

// add registers the literals a pattern needs and returns their ids; nil
// means the pattern has no required literal and always runs.
func (pf *prefilter) add(expr string) []int32 {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	lits := required(re)
	if lits == nil {
		return nil
	}
	ids := make([]int32, 0, len(lits))
	for _, l := range lits {
		id, ok := pf.ids[l]
		if !ok {
			id = int32(len(pf.lits))
			pf.ids[l] = id
			pf.lits = append(pf.lits, l)
			if len(l) == 1 {
				pf.single[l[0]] = append(pf.single[l[0]], id)
			} else {
				k := uint16(l[0])<<8 | uint16(l[1])
				pf.byPair[k] = append(pf.byPair[k], id)
			}
		}
		ids = append(ids, id)
	}
	return ids
}

// scan returns the set of literals present in s.
func (pf *prefilter) scan(s string) litSet {
	set := make(litSet, (len(pf.lits)+63)/64)
	for i := 0; i < len(s); i++ {
		for _, id := range pf.single[s[i]] {
			set.add(id)
		}
		if i+1 >= len(s) {
			break
		}
		for _, id := range pf.byPair[uint16(s[i])<<8|uint16(s[i+1])] {
			if !set.has(id) && strings.HasPrefix(s[i:], pf.lits[id]) {
				set.add(id)
			}
		}
	}
	return set
}

type litSet []uint64

func (s litSet) add(id int32)      { s[id/64] |= 1 << (id % 64) }
func (s litSet) has(id int32) bool { return s[id/64]&(1<<(id%64)) != 0 }

// any reports whether the set holds one of ids; nil ids (a pattern
// without a required literal) always may match.
func (s litSet) any(ids []int32) bool {
	if ids == nil {
		return true
	}
	for _, id := range ids {
		if s.has(id) {
			return true
		}
	}
	return false
}

// required returns literals of which every match of re contains at least
// one, or nil when it cannot tell.
func required(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		return []string{string(re.Rune)}
	case syntax.OpCapture:
		return required(re.Sub[0])
	case syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		consider := func(lits []string) {
			if lits != nil && minLen(lits) > 0 && better(lits, best) {
				best = lits
			}
		}
		// Runs of children that match a few exact strings join into
		// longer literals: "de(?:ad|fective)" needs "dead" or
		// "defective", not just "de".
		var run []string
		for _, sub := range re.Sub {
			ex := exact(sub)
			if ex == nil {
				consider(run)
				run = nil
				consider(required(sub))
				continue
			}
			if run == nil {
				run = ex
			} else if run = product(run, ex); run == nil {
				consider(ex)
			}
		}
		consider(run)
		return best
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			lits := required(sub)
			if lits == nil {
				return nil
			}
			all = append(all, lits...)
		}
		return all
	}
	return nil
}

// better prefers longer shortest literals (rarer), then fewer of them.
func better(a, b []string) bool {
	if b == nil {
		return true
	}
	ma, mb := minLen(a), minLen(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

func minLen(ls []string) int {
	m := len(ls[0])
	for _, l := range ls[1:] {
		m = min(m, len(l))
	}
	return m
}

// maxExact bounds the strings exact and product enumerate.
const maxExact = 64

// exact returns every string re matches when they are few, else nil.
func exact(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		return []string{string(re.Rune)}
	case syntax.OpEmptyMatch:
		return []string{""}
	case syntax.OpCharClass:
		// "扣|收" parses as the class [扣收]: a small class is a few
		// one-character strings.
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(out) == 16 {
					return nil
				}
				out = append(out, string(r))
			}
		}
		return out
	case syntax.OpCapture:
		return exact(re.Sub[0])
	case syntax.OpQuest:
		if ex := exact(re.Sub[0]); ex != nil && len(ex) < maxExact {
			return append([]string{""}, ex...)
		}
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			ex := exact(sub)
			if ex == nil || len(all)+len(ex) > maxExact {
				return nil
			}
			all = append(all, ex...)
		}
		return all
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			ex := exact(sub)
			if ex == nil {
				return nil
			}
			if out = product(out, ex); out == nil {
				return nil
			}
		}
		return out
	}
	return nil
}

// product joins every a with every b, or nil past maxExact strings.
func product(a, b []string) []string {
	if len(a)*len(b) > maxExact {
		return nil
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}
