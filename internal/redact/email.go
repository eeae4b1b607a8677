package redact

import "strings"

func isLocalByte(c byte) bool {
	return isWordByte(c) || c == '.' || c == '%' || c == '+' || c == '-'
}

func isDomainByte(c byte) bool {
	return isDigit(c) || c == '-' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// matchEmail finds an address around the '@' at at: a local part of the
// usual characters and a dotted domain whose last label is 2+ letters.
func matchEmail(s string, at int, out []candidate) []candidate {
	return matchEmailFrom(s, 0, at, out)
}

// matchEmailFrom is matchEmail with the local part starting at lo or later.
func matchEmailFrom(s string, lo, at int, out []candidate) []candidate {
	start := at
	for start > lo && isLocalByte(s[start-1]) {
		start--
	}
	for start < at && s[start] == '.' {
		start++
	}
	if start == at || at-start > 64 {
		return out
	}
	p := at + 1
	labels := 0
	lastStart := p
	for {
		ls := p
		for p < len(s) && isDomainByte(s[p]) {
			p++
		}
		if p == ls || p-ls > 63 {
			return out
		}
		labels++
		lastStart = ls
		if p+1 < len(s) && s[p] == '.' && isDomainByte(s[p+1]) {
			p++
			continue
		}
		break
	}
	// The last label must be a TLD; if it is not ("a@b.cn.2024"), the
	// address ends at an earlier label that is.
	for ; labels >= 2; labels-- {
		if p-lastStart >= 2 && allLetters(s[lastStart:p]) {
			if p-at-1 > 253 {
				return out
			}
			return append(out, candidate{kind: Email, start: start, end: p, rank: rankEmail})
		}
		p = lastStart - 1
		lastStart = strings.LastIndexByte(s[:p], '.') + 1
		if lastStart <= at {
			lastStart = at + 1
		}
	}
	return out
}

func allLetters(t string) bool {
	for i := 0; i < len(t); i++ {
		if c := t[i]; c|0x20 < 'a' || c|0x20 > 'z' {
			return false
		}
	}
	return true
}
