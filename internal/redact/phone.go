package redact

import "strings"

// matchPhone finds a Chinese mobile number starting at i, with or without
// a country prefix. at is the chain read at i, if the caller has it.
func matchPhone(s string, i int, at *chain, out []candidate) []candidate {
	pos := i
	switch {
	case s[i] == '+':
		if !strings.HasPrefix(s[i+1:], "86") {
			return out
		}
		pos = i + 3
	case s[i] == '(':
		if !strings.HasPrefix(s[i:], "(+86)") {
			return out
		}
		pos = i + 5
	case strings.HasPrefix(s[i:], "0086"):
		pos = i + 4
	case strings.HasPrefix(s[i:], "86"):
		pos = i + 2
	case s[i] != '1':
		return out
	}
	if pos != i && pos < len(s) && isSep(s[pos]) {
		pos++
	}
	if pos >= len(s) || s[pos] != '1' {
		return out
	}
	var c *chain
	if pos == i && at != nil {
		c = at
	} else {
		ch := readChain(s, pos, false)
		c = &ch
	}
	if c.n == 0 || c.g[0].start != pos {
		return out
	}
	// The national number is written together or in the usual groups.
	k := 0
	switch {
	case c.sizes(11):
		k = 1
	case c.sizes(3, 4, 4):
		k = 3
	case c.sizes(3, 8), c.sizes(7, 4):
		k = 2
	default:
		return out
	}
	if d := s[pos+1]; d < '3' || d > '9' {
		return out
	}
	// Grouped, it must stand apart from other short groups, as cards and
	// IDs must; "170 0000 1000 6222 …" is one long reference.
	if k > 1 && !c.isolated(s, i, k) {
		return out
	}
	end := c.end(k)
	if !rightOK(s, end) {
		return out
	}
	return append(out, candidate{kind: Phone, start: i, end: end, rank: rankPhone})
}

// matchLandline finds a Chinese fixed-line number with its area code,
// written 010-12345678, 0755 1234567, (010)12345678 or （010）1234 5678.
func matchLandline(s string, i int, out []candidate) []candidate {
	if _, end, ok := landlineAt(s, i); ok {
		out = append(out, candidate{kind: Landline, start: i, end: end, rank: rankLandline})
	}
	return out
}

// landlineAt reads a landline at i: main is where the number ends before
// any extension, end where the match ends.
func landlineAt(s string, i int) (main, end int, ok bool) {
	pos := i
	closer := ""
	switch {
	case s[i] == '(':
		closer, pos = ")", i+1
	case strings.HasPrefix(s[i:], fwOpen):
		closer, pos = fwClose, i+len(fwOpen)
	case s[i] != '0':
		return 0, 0, false
	}
	ae := pos
	for ae < len(s) && isDigit(s[ae]) {
		ae++
	}
	if !validAreaCode(s[pos:ae]) {
		return 0, 0, false
	}
	pos = ae
	if closer != "" {
		if !strings.HasPrefix(s[pos:], closer) {
			return 0, 0, false
		}
		pos += len(closer)
		if pos < len(s) && isSep(s[pos]) {
			pos++
		}
	} else {
		// Without parentheses the separator is what tells an area code
		// from the start of some longer number.
		if pos >= len(s) || !isSep(s[pos]) {
			return 0, 0, false
		}
		pos++
	}
	// Local numbers never start with 0 (a trunk prefix would).
	if pos >= len(s) || s[pos] < '1' || s[pos] > '9' {
		return 0, 0, false
	}
	c := readChain(s, pos, false)
	if c.n == 0 || c.g[0].start != pos {
		return 0, 0, false
	}
	k := 0
	switch {
	case c.sizes(7), c.sizes(8):
		k = 1
	case c.sizes(4, 4), c.sizes(3, 4):
		k = 2
	default:
		return 0, 0, false
	}
	main = c.end(k)
	end = extension(s, main)
	if !rightOK(s, end) {
		return 0, 0, false
	}
	return main, end, true
}

// validAreaCode accepts 010, 02x and 0[3-9]xx.
func validAreaCode(a string) bool {
	switch len(a) {
	case 3:
		return a == "010" || (a[0] == '0' && a[1] == '2')
	case 4:
		return a[0] == '0' && a[1] >= '3' && a[1] <= '9'
	}
	return false
}

// extension extends a landline ending at end over "-123" or "转123".
func extension(s string, end int) int {
	var p int
	switch {
	case end < len(s) && s[end] == '-':
		p = end + 1
	case strings.HasPrefix(s[end:], "转"):
		p = end + len("转")
	default:
		return end
	}
	q := p
	for q < len(s) && isDigit(s[q]) {
		q++
	}
	if n := q - p; n < 1 || n > 5 {
		return end
	}
	return q
}

// matchIntl finds an E.164 number: "+", a country code not starting with
// 0, and 8-15 digits in all.
func matchIntl(s string, i int, out []candidate) []candidate {
	if i+1 >= len(s) || s[i+1] < '1' || s[i+1] > '9' {
		return out
	}
	c := readChain(s, i+1, true)
	// Where the number ends is a guess, so offer every length: the
	// longest usually wins, but a shorter one still covers the number if
	// a neighbour claims the groups after it.
	for k := 1; k <= c.n && c.count(k) <= 15; k++ {
		if end := c.end(k); c.count(k) >= 8 && rightOK(s, end) {
			out = append(out, candidate{kind: IntlPhone, start: i, end: end, rank: rankIntl})
		}
	}
	return out
}
