package redact

// matchCard finds a bank card number starting at i: 13-19 digits written
// together or in groups, starting like a real issuer and passing Luhn.
func matchCard(s string, i int, c *chain, out []candidate) []candidate {
	if s[i] < '2' || s[i] > '6' {
		return out
	}
	if c.n == 0 {
		return out
	}
	k := 1
	if n := c.count(1); n < 13 || n > 19 {
		// Not a card written together; try the leading short groups as a
		// grouped one (6222 0202 0000 1234, 3782 822463 10005).
		k = 0
		for k < c.n && c.g[k].end-c.g[k].start <= 6 {
			k++
		}
		if k < 2 || !cardGroups(c, k) || !c.isolated(s, i, k) {
			return out
		}
	}
	end := c.end(k)
	if !rightOK(s, end) {
		return out
	}
	var buf [maxChainDigits]byte
	d := digitsOf(s, c, k, buf[:0])
	if !issuerLength(d) || !luhn(d) {
		return out
	}
	return append(out, candidate{kind: BankCard, start: i, end: end, rank: rankCard})
}

// cardGroups accepts the ways people group card digits in the first k
// groups: a first group of 4-6, middle groups of 3-6, a last group of 1-6,
// 13-19 digits in all.
func cardGroups(c *chain, k int) bool {
	if n := c.count(k); n < 13 || n > 19 {
		return false
	}
	for j := 0; j < k; j++ {
		l := c.g[j].end - c.g[j].start
		lo := 3
		switch j {
		case 0:
			lo = 4
		case k - 1:
			lo = 1
		}
		if l < lo || l > 6 {
			return false
		}
	}
	return true
}

// issuerLength reports whether d starts like a card of its length (see the
// package documentation). It is what keeps Luhn-valid order numbers and
// millisecond timestamps out.
func issuerLength(d []byte) bool {
	n := len(d)
	switch d[0] {
	case '4':
		return n == 13 || n == 16 || n == 19
	case '5', '6':
		return n >= 16
	case '2':
		p := atoi(d[:4])
		return n == 16 && p >= 2221 && p <= 2720
	case '3':
		switch d[1] {
		case '4', '7':
			return n == 15
		case '5':
			return n >= 16
		case '0', '6', '8', '9':
			return n >= 14
		}
	}
	return false
}

// luhn reports whether d passes the Luhn mod-10 check.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}
