package redact

import "strings"

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isWordByte is an ASCII letter, digit or underscore: a number touching
// one of these is part of an identifier, not a number on its own. Bytes of
// multi-byte UTF-8 characters (CJK text) are not word bytes.
func isWordByte(c byte) bool {
	return isDigit(c) || c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// leftOK reports whether a match may start at i: the byte before is not
// part of a word, nor a decimal point or dash that follows a digit.
func leftOK(s string, i int) bool {
	if i == 0 {
		return true
	}
	p := s[i-1]
	if isWordByte(p) {
		return false
	}
	if (p == '.' || p == '-') && i >= 2 && isDigit(s[i-2]) {
		return false
	}
	return true
}

// rightOK is leftOK's mirror for a match ending at end.
func rightOK(s string, end int) bool {
	if end >= len(s) {
		return true
	}
	n := s[end]
	if isWordByte(n) {
		return false
	}
	if (n == '.' || n == '-') && end+1 < len(s) && isDigit(s[end+1]) {
		return false
	}
	return true
}

func isSep(c byte) bool { return c == ' ' || c == '-' }

const (
	maxGroups = 8
	// maxChainDigits bounds the work on long runs; no kind needs more.
	maxChainDigits = 24
)

// group is one run of digits in a chain: digits at [start, end); close is
// where the group ends including a closing parenthesis.
type group struct{ start, end, close int }

// chain is a run of digit groups separated by single spaces or dashes,
// such as "138 1234 5678". It is a value so that reading one allocates
// nothing.
type chain struct {
	g      [maxGroups]group
	n      int
	digits [maxGroups]int // digits[k] is the digit count of groups 0..k
	// more is true when the chain was cut short by maxGroups or
	// maxChainDigits; nextLen is then the length of the group left out.
	more    bool
	nextLen int
}

// end is where the first k groups end.
func (c *chain) end(k int) int { return c.g[k-1].close }

// count is the number of digits in the first k groups.
func (c *chain) count(k int) int { return c.digits[k-1] }

// sizes reports whether the first k groups have exactly these lengths.
func (c *chain) sizes(want ...int) bool {
	if c.n < len(want) {
		return false
	}
	for i, w := range want {
		if c.g[i].end-c.g[i].start != w {
			return false
		}
	}
	return true
}

// readChain reads the chain starting at i. With parens, a group may be
// wrapped in ASCII parentheses, as in "+1 (415) 555-2671".
func readChain(s string, i int, parens bool) chain {
	var c chain
	pos := i
	total := 0
	for pos < len(s) {
		open := parens && s[pos] == '('
		ds := pos
		if open {
			ds++
		}
		de := ds
		for de < len(s) && isDigit(s[de]) {
			de++
		}
		if de == ds {
			break
		}
		cl := de
		if open {
			if de >= len(s) || s[de] != ')' {
				break
			}
			cl++
		}
		if c.n == maxGroups || total+de-ds > maxChainDigits {
			c.more, c.nextLen = true, de-ds
			break
		}
		total += de - ds
		c.g[c.n] = group{start: ds, end: de, close: cl}
		c.digits[c.n] = total
		c.n++
		// The next group follows one separator, or directly after ")".
		next := cl
		if next < len(s) && isSep(s[next]) {
			next++
		} else if !(open && next < len(s) && isDigit(s[next])) {
			break
		}
		if next >= len(s) || !(isDigit(s[next]) || (parens && s[next] == '(')) {
			break
		}
		pos = next
	}
	return c
}

// shortGroup is the longest digit group that counts as part of a grouped
// number. It is at least every group of a grouped form (IDs use 8) and
// less than any number written together (11+), and it is the same for
// every kind: then masking one match never turns a neighbour it blocked
// into a match of its own.
const shortGroup = 8

// isolated reports whether the first k groups of c, which starts at i,
// stand alone: no short group adjoins them across a separator. A grouped
// phone, card or ID must be isolated, so that one is not taken from the
// middle of a long spaced-out reference number; a longer neighbour is a
// separate number and does not count.
func (c *chain) isolated(s string, i, k int) bool {
	if i >= 2 && isSep(s[i-1]) && isDigit(s[i-2]) {
		n := 0
		for j := i - 2; j >= 0 && isDigit(s[j]); j-- {
			n++
		}
		if n <= shortGroup {
			return false
		}
	}
	switch {
	case k < c.n:
		return c.g[k].end-c.g[k].start > shortGroup
	case c.more:
		return c.nextLen > shortGroup
	}
	return true
}

// digitsOf appends the digits of the first k groups of c to dst.
func digitsOf(s string, c *chain, k int, dst []byte) []byte {
	for _, g := range c.g[:k] {
		dst = append(dst, s[g.start:g.end]...)
	}
	return dst
}

// Full-width parentheses, common in Chinese text: （010）.
const (
	fwOpen  = "（"
	fwClose = "）"
)

// scan runs the built-in detectors over s once, left to right, and
// appends their candidates to out.
func scan(s string, out []candidate) []candidate {
	// Every built-in kind needs a digit or an '@'; most log lines and many
	// messages have neither.
	if !hasDigitOrAt(s) {
		return out
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '@':
			out = matchEmail(s, i, out)
		case isDigit(c):
			if leftOK(s, i) {
				out = startingAt(s, i, out)
			}
			// Later starts inside this run of digits cannot pass leftOK.
			for i+1 < len(s) && isDigit(s[i+1]) {
				i++
			}
		case c == '(', c == fwOpen[0]:
			// A parenthesis delimits by itself: (010)… may follow anything.
			out = startingAt(s, i, out)
		case c == '+':
			if leftOK(s, i) {
				out = startingAt(s, i, out)
			}
		}
	}
	return out
}

// startingAt runs the detectors of matches that start at i, whatever
// precedes it.
func startingAt(s string, i int, out []candidate) []candidate {
	switch c := s[i]; {
	case isDigit(c):
		// One chain serves every detector that starts on a digit.
		ch := readChain(s, i, false)
		out = matchPhone(s, i, &ch, out)
		out = matchLandline(s, i, out)
		out = matchIDCard(s, i, &ch, out)
		out = matchCard(s, i, &ch, out)
	case c == '+':
		out = matchPhone(s, i, nil, out)
		out = matchIntl(s, i, out)
	case c == '(':
		out = matchPhone(s, i, nil, out)
		out = matchLandline(s, i, out)
	case strings.HasPrefix(s[i:], fwOpen):
		out = matchLandline(s, i, out)
	}
	return out
}

// startsMatch reports whether a match can start on c.
func startsMatch(c byte) bool {
	return isDigit(c) || c == '+' || c == '(' || c == fwOpen[0]
}

func hasDigitOrAt(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; isDigit(c) || c == '@' {
			return true
		}
	}
	return false
}
