package rules

import (
	bits64 "math/bits"
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
// Each pattern (and guard) is a slot; scanning a text gives the set of
// slots that may match, so the pack tests one bit per pattern instead of
// its literals one by one.
type prefilter struct {
	lits []string
	ids  map[string]int32
	// byPair holds the literals by their first two bytes; pairAt maps a
	// byte pair to its list's index + 1 (0: no literal starts so), which
	// costs less than a map lookup at every byte of a text.
	byPair [][]pairLit
	pairAt [1 << 16]uint16
	// pairs has a bit for each pair some literal starts with: 8 KB that
	// stay in the processor's first cache, where pairAt's 128 KB do not,
	// so most bytes of a text cost one cached load.
	pairs  [1 << 16 / 64]uint64
	single [256][]int32
	// users lists, per literal, the slots that need it; always holds the
	// slots with no required literal.
	users  [][]int32
	always []int32
	slots  int32
}

func newPrefilter() *prefilter {
	return &prefilter{ids: map[string]int32{}}
}

// slot registers a pattern and returns its slot.
func (pf *prefilter) slot(expr string) int32 {
	s := pf.slots
	pf.slots++
	ids := pf.add(expr)
	if ids == nil {
		pf.always = append(pf.always, s)
		return s
	}
	for _, id := range ids {
		pf.users[id] = append(pf.users[id], s)
	}
	return s
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
			pf.users = append(pf.users, nil)
			if len(l) == 1 {
				pf.single[l[0]] = append(pf.single[l[0]], id)
			} else {
				k := uint16(l[0])<<8 | uint16(l[1])
				if pf.pairAt[k] == 0 {
					pf.byPair = append(pf.byPair, nil)
					pf.pairAt[k] = uint16(len(pf.byPair))
					pf.pairs[k/64] |= 1 << (k % 64)
				}
				third := int16(-1)
				if len(l) > 2 {
					third = int16(l[2])
				}
				pf.byPair[pf.pairAt[k]-1] = append(pf.byPair[pf.pairAt[k]-1], pairLit{id: id, third: third})
			}
		}
		ids = append(ids, id)
	}
	return ids
}

// scan returns the set of literals present in s, in set, which must be
// zero and pf.litWords() long.
func (pf *prefilter) scan(s string, set litSet) litSet {
	for i := 0; i < len(s); i++ {
		for _, id := range pf.single[s[i]] {
			set.add(id)
		}
		if i+1 >= len(s) {
			break
		}
		k := uint16(s[i])<<8 | uint16(s[i+1])
		if pf.pairs[k/64]&(1<<(k%64)) == 0 {
			continue
		}
		at := pf.pairAt[k]
		next := int16(-2) // the byte after the pair; -2 at the end, which no literal's third byte is
		if i+2 < len(s) {
			next = int16(s[i+2])
		}
		for _, l := range pf.byPair[at-1] {
			if (l.third < 0 || l.third == next) && !set.has(l.id) && strings.HasPrefix(s[i:], pf.lits[l.id]) {
				set.add(l.id)
			}
		}
	}
	return set
}

// candidates returns the slots that may match a text holding lits, in
// set, which must be zero and pf.slotWords() long.
func (pf *prefilter) candidates(lits, set litSet) litSet {
	for _, s := range pf.always {
		set.add(s)
	}
	for w, bits := range lits {
		for bits != 0 {
			id := int32(w*64 + bits64.TrailingZeros64(bits))
			bits &= bits - 1
			for _, s := range pf.users[id] {
				set.add(s)
			}
		}
	}
	return set
}

// pairLit is a literal of two bytes or more in its pair's list, with its
// third byte (-1: none): common English pairs ("th", "st") start dozens
// of literals, and comparing one byte first spares most of them the
// whole comparison.
type pairLit struct {
	id    int32
	third int16
}

type litSet []uint64

// litWords and slotWords are the lengths of the sets scan and candidates
// fill.
func (pf *prefilter) litWords() int  { return (len(pf.lits) + 63) / 64 }
func (pf *prefilter) slotWords() int { return int(pf.slots+63) / 64 }

func (s litSet) add(id int32)      { s[id/64] |= 1 << (id % 64) }
func (s litSet) has(id int32) bool { return s[id/64]&(1<<(id%64)) != 0 }

// anyIn reports whether the set holds an id in [lo, hi).
func (s litSet) anyIn(lo, hi int32) bool {
	if hi <= lo {
		return false
	}
	first, last := lo/64, (hi-1)/64
	for w := first; w <= last; w++ {
		bits := s[w]
		if w == first {
			bits &= ^uint64(0) << (lo % 64)
		}
		if w == last {
			bits &= ^uint64(0) >> (63 - (hi-1)%64)
		}
		if bits != 0 {
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
