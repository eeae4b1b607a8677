package rules

import (
	"errors"
	"regexp"
	"strings"
	"unicode"
)

// normalize prepares text for matching: full-width ASCII folded to
// half-width, lower case, curly apostrophes straightened, English
// contractions expanded ("don't" → "do not") so that patterns need one
// spelling, and runs of white space collapsed to one space.
func normalize(s string) string {
	if n, ok := normalizeASCII(s); ok {
		return expandContractions(n)
	}
	return expandContractions(normalizeRunes(s))
}

// normalizeRunes is normalize's first half: folding, lower case and white
// space, rune by rune.
func normalizeRunes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E && !isFullWidthPunct(r):
			r -= 0xFEE0
		case r == '\u2019' || r == '\u2018' || r == '`':
			r = '\''
		}
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// normalizeASCII is normalize's first half for text that is all ASCII,
// most chat in Latin script, byte by byte instead of rune by rune through
// the Unicode tables; it gives what the general loop gives. ok is false
// when s has a byte outside ASCII.
func normalizeASCII(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return "", false
		case c == ' ' || c >= '\t' && c <= '\r':
			space = true
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '`':
			c = '\''
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteByte(c)
	}
	return b.String(), true
}

// isFullWidthPunct keeps the full-width punctuation Chinese text uses as
// clause marks, so that patterns can treat "，" and "," alike by listing both.
func isFullWidthPunct(r rune) bool {
	return r == '，' || r == '！' || r == '？' || r == '；' || r == '：'
}

var contractions = map[string]string{
	"can't": "can not", "cant": "can not", "cannot": "can not",
	"won't": "will not", "wont": "will not",
	"don't": "do not", "dont": "do not",
	"doesn't": "does not", "doesnt": "does not",
	"didn't": "did not", "didnt": "did not",
	"haven't": "have not", "havent": "have not",
	"hasn't": "has not", "hasnt": "has not",
	"isn't": "is not", "isnt": "is not",
	"aren't": "are not", "arent": "are not",
	"wasn't": "was not", "wasnt": "was not", "weren't": "were not",
	"couldn't": "could not", "couldnt": "could not",
	"wouldn't": "would not", "shouldn't": "should not",
	"it's": "it is", "that's": "that is", "i'm": "i am", "im": "i am",
	"i've": "i have", "i'd": "i would", "you've": "you have",
	"what's": "what is", "there's": "there is", "where's": "where is",
}

// expandContractions also expands the apostrophe-less forms people type
// ("dont"); it works on whole words (runs of a-z with at most one inner
// apostrophe) so "restaurant" keeps its "ant". It copies only when a word
// changes.
func expandContractions(s string) string {
	var b *strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !isLower(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isLower(s[j]) {
			j++
		}
		if j+1 < len(s) && s[j] == '\'' && isLower(s[j+1]) {
			for j++; j < len(s) && isLower(s[j]); j++ {
			}
		}
		if x, ok := contractions[s[i:j]]; ok {
			if b == nil {
				b = &strings.Builder{}
				b.Grow(len(s) + 8)
			}
			b.WriteString(s[last:i])
			b.WriteString(x)
			last = j
		}
		i = j
	}
	if b == nil {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

// hasCJK reports whether s contains Han, Hiragana, Katakana or Hangul.
func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return true
		}
	}
	return false
}

// hasLatinWord reports whether s has an ASCII letter.
func hasLatinWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

// hasHan reports whether s contains Chinese characters; notifications add
// a Chinese line then.
func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x80 && unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// matcher finds one configured keyword or negation in normalized text.
//
// Chinese (any CJK) keywords match as substrings: Chinese has no spaces
// between words. Other keywords match whole words, case-insensitively,
// and also their simple English inflections, so "refund" matches "Refund!",
// "refunds", "refunded" and "refunding" but not "refundable"; a final "e"
// is dropped before the endings ("charge" → "charged", "charging"). Several
// words must appear in order with any white space between them.
type matcher struct {
	raw string
	sub string         // CJK keyword, normalized
	re  *regexp.Regexp // word keyword
}

func newMatcher(keyword string) (matcher, error) {
	n := normalize(keyword)
	if n == "" {
		return matcher{}, errors.New("must not be empty")
	}
	if hasCJK(n) {
		return matcher{raw: keyword, sub: n}, nil
	}
	words := strings.Fields(n)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	last := words[len(words)-1]
	// Only alphabetic endings take inflections; "c++" or "404" stay literal.
	if isLetters(strings.Fields(n)[len(words)-1]) {
		if strings.HasSuffix(last, "e") {
			last = last[:len(last)-1] + `(?:e|es|ed|ing)`
		} else {
			last += `(?:s|es|ed|ing)?`
		}
	}
	words[len(words)-1] = last
	expr := `(?:^|[^\pL\pN_])` + strings.Join(words, `\s+`) + `(?:$|[^\pL\pN_])`
	re, err := regexp.Compile(expr)
	if err != nil {
		return matcher{}, errors.New("cannot be matched: " + err.Error())
	}
	return matcher{raw: keyword, re: re}, nil
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return s != ""
}

// match reports whether the keyword appears in normalized text.
func (m matcher) match(norm string) bool {
	if m.re != nil {
		return m.re.MatchString(norm)
	}
	return strings.Contains(norm, m.sub)
}

func firstMatch(ms []matcher, norm string) (matcher, bool) {
	for _, m := range ms {
		if m.match(norm) {
			return m, true
		}
	}
	return matcher{}, false
}

// answer classifies a reply to a pending proposal.
type answer int

const (
	answerOther answer = iota
	answerYes
	answerNo
)

var yesWords = wordSet("yes", "y", "ok", "okay", "sure", "confirm", "please do",
	"yes please", "yep", "yeah", "yup", "ok please", "go ahead", "please",
	"是", "是的", "好", "好的", "可以", "确认", "对", "嗯", "嗯嗯", "行", "要", "需要", "1")

var noWords = wordSet("no", "n", "nope", "cancel", "no thanks", "no thank you", "nah",
	"not now", "do not", "no need",
	"不", "不用", "不要", "不用了", "算了", "否", "取消", "不需要", "不必", "不了", "2")

// politeTail is dropped from the end of a reply before the second lookup,
// so "yes, thanks" and "好的，谢谢" count but "no thanks" is read whole first.
var politeTail = []string{"thank you", "thanks", "please", "pls", "谢谢你", "谢谢", "麻烦了", "麻烦你了", "辛苦了"}

func wordSet(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// answerOf reads a whole message as yes or no. Only short, complete
// answers count: "no, it still does not work" is not a no.
func answerOf(text string) answer {
	s := squashPunct(normalize(text))
	for i := 0; i < 2; i++ {
		switch {
		case yesWords[s]:
			return answerYes
		case noWords[s]:
			return answerNo
		}
		for _, t := range politeTail {
			if strings.HasSuffix(s, t) && len(s) > len(t) {
				s = strings.TrimSpace(strings.TrimSuffix(s, t))
				break
			}
		}
	}
	return answerOther
}

// squashPunct turns punctuation into spaces and trims, so "Yes!" and
// "好的～" compare equal to their bare words.
func squashPunct(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
	})
	return strings.Join(f, " ")
}
