package redact

// matchIDCard finds an 18-digit resident ID number (checksum, province and
// birth date checked) or a legacy 15-digit one (province and date checked)
// starting at i.
func matchIDCard(s string, i int, c *chain, out []candidate) []candidate {
	if s[i] == '0' {
		return out
	}
	for _, f := range idForms {
		k := len(f.sizes)
		if !c.sizes(f.sizes...) || (k > 1 && !c.isolated(s, i, k)) {
			continue
		}
		end := c.end(k)
		var buf [18]byte
		d := digitsOf(s, c, k, buf[:0])
		if f.x {
			if end >= len(s) || (s[end] != 'X' && s[end] != 'x') {
				continue
			}
			d = append(d, 'X')
			end++
		}
		if !rightOK(s, end) {
			continue
		}
		if len(d) == 18 && validID18(d) {
			return append(out, candidate{kind: IDCard, start: i, end: end, rank: rankID18})
		}
		if len(d) == 15 && validID15(d) {
			return append(out, candidate{kind: IDCard, start: i, end: end, rank: rankID15})
		}
	}
	return out
}

// idForm is one way of writing an ID number: its digit groups, and
// whether an X check character follows the last one.
type idForm struct {
	sizes []int
	x     bool
}

var idForms = [...]idForm{
	{sizes: []int{18}},
	{sizes: []int{17}, x: true},
	{sizes: []int{6, 8, 4}},
	{sizes: []int{6, 8, 3}, x: true},
	{sizes: []int{6, 4, 4, 4}},
	{sizes: []int{6, 4, 4, 3}, x: true},
	{sizes: []int{15}},
	{sizes: []int{6, 6, 3}},
}

// validProvince accepts the two-digit province codes in use (GB/T 2260),
// plus 71 (Taiwan), 81/82 (Hong Kong, Macao) and 83 (residence permits).
func validProvince(a, b byte) bool {
	switch p := int(a-'0')*10 + int(b-'0'); {
	case p >= 11 && p <= 15, p >= 21 && p <= 23, p >= 31 && p <= 37,
		p >= 41 && p <= 46, p >= 50 && p <= 54, p >= 61 && p <= 65,
		p == 71, p == 81, p == 82, p == 83:
		return true
	}
	return false
}

func atoi(d []byte) int {
	n := 0
	for _, c := range d {
		n = n*10 + int(c-'0')
	}
	return n
}

// validDate accepts real calendar dates from 1900 to 2099. The range is
// fixed rather than read from a clock so that Find stays pure.
func validDate(y, m, d int) bool {
	if y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// idWeights are 2^(17-i) mod 11, the ISO 7064 MOD 11-2 weights.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheck = "10X98765432"

// validID18 checks an 18-character ID (the last may be 'X').
func validID18(d []byte) bool {
	if !validProvince(d[0], d[1]) || !validDate(atoi(d[6:10]), atoi(d[10:12]), atoi(d[12:14])) {
		return false
	}
	return idCheck[idSum(d)] == d[17]
}

// idSum is the MOD 11-2 remainder of the first 17 digits of d.
func idSum(d []byte) int {
	sum := 0
	for i, w := range idWeights {
		sum += int(d[i]-'0') * w
	}
	return sum % 11
}

// validID15 checks a legacy 15-digit ID: province and a 19YYMMDD birth date.
func validID15(d []byte) bool {
	return validProvince(d[0], d[1]) && validDate(1900+atoi(d[6:8]), atoi(d[8:10]), atoi(d[10:12]))
}
