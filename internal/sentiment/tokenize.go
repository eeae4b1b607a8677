package sentiment

import (
	"strings"
	"unicode"
)

// token is one unit of text: a lexicon entry (a word, a phrase, a Chinese
// term, an emoticon) or an unknown filler that still takes up room in the
// negation window.
type token struct {
	text   string
	e      entry // zero for unknown tokens
	caps   bool  // written in capitals ("TERRIBLE")
	clause int   // index of the clause it belongs to
	en     bool  // an English word not yet merged into a phrase
}

// tokens splits text into lexicon tokens and counts the exclamation marks
// closing each clause (excl[clause]).
func (l *Lexicon) tokens(text string) (toks []token, excl []int) {
	rs := []rune(foldWidth(text))
	clause := 0
	excl = []int{0}
	newClause := func() {
		if len(toks) > 0 && toks[len(toks)-1].clause == clause {
			clause++
			excl = append(excl, 0)
		}
	}
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case isWordRune(r) && r != '\'':
			j := i
			for j < len(rs) && isWordRune(rs[j]) {
				j++
			}
			for _, w := range expand(string(rs[i:j])) {
				toks = append(toks, token{text: w.text, caps: w.caps, clause: clause, en: true})
			}
			i = j
		case unicode.Is(unicode.Han, r):
			j := i
			for j < len(rs) && unicode.Is(unicode.Han, rs[j]) {
				j++
			}
			toks = l.matchHan(toks, rs[i:j], clause)
			i = j
		case r == '!':
			for i < len(rs) && rs[i] == '!' {
				excl[clause]++
				i++
			}
			newClause()
		case isClauseBreak(r):
			newClause()
			i++
		default:
			if n, e := l.matchSym(rs[i:]); n > 0 {
				toks = append(toks, token{text: string(rs[i : i+n]), e: e, clause: clause})
				i += n
				continue
			}
			i++
		}
	}
	return l.mergePhrases(toks), excl
}

// matchHan takes the longest Chinese entry at each position; a character
// that starts no entry becomes a filler token of its own.
func (l *Lexicon) matchHan(toks []token, rs []rune, clause int) []token {
	for i := 0; i < len(rs); {
		n := 1
		var e entry
		for k := min(l.zhMax, len(rs)-i); k >= 1; k-- {
			if got, ok := l.zh[string(rs[i:i+k])]; ok {
				n, e = k, got
				break
			}
		}
		toks = append(toks, token{text: string(rs[i : i+n]), e: e, clause: clause})
		i += n
	}
	return toks
}

func (l *Lexicon) matchSym(rs []rune) (int, entry) {
	for k := min(l.symMax, len(rs)); k >= 1; k-- {
		if e, ok := l.sym[string(rs[:k])]; ok {
			return k, e
		}
	}
	return 0, entry{}
}

// mergePhrases joins runs of English words in one clause into the longest
// lexicon phrase starting at each word ("refund now", "waste of time").
func (l *Lexicon) mergePhrases(in []token) []token {
	out := in[:0:0]
	for i := 0; i < len(in); {
		t := in[i]
		if !t.en {
			out = append(out, t)
			i++
			continue
		}
		run := 1
		for i+run < len(in) && run < l.enMax && in[i+run].en && in[i+run].clause == t.clause {
			run++
		}
		n := 1
		merged := token{text: t.text, caps: t.caps, clause: t.clause}
		for k := run; k >= 1; k-- {
			parts := make([]string, k)
			caps := true
			for j := range k {
				parts[j] = in[i+j].text
				caps = caps && in[i+j].caps
			}
			if e, ok := l.en[strings.Join(parts, " ")]; ok {
				n = k
				merged = token{text: strings.Join(parts, " "), e: e, caps: caps, clause: t.clause}
				break
			}
		}
		out = append(out, merged)
		i += n
	}
	return out
}

type word struct {
	text string
	caps bool
}

// expand lower-cases one written word and spells out its negative
// contraction: "don't" → "do not", "CAN'T" → "can not" (both capitals).
func expand(raw string) []word {
	caps := isCaps(raw)
	w := strings.ToLower(strings.Trim(raw, "'"))
	switch {
	case w == "":
		return nil
	case w == "cannot" || w == "can't" || w == "cant":
		return []word{{"can", caps}, {"not", caps}}
	case w == "won't" || w == "wont":
		return []word{{"will", caps}, {"not", caps}}
	case strings.HasSuffix(w, "n't"):
		return []word{{strings.TrimSuffix(w, "n't"), caps}, {"not", caps}}
	case len(w) > 3 && strings.HasSuffix(w, "nt") && bareNegatives[w]:
		return []word{{strings.TrimSuffix(w, "nt"), caps}, {"not", caps}}
	}
	return []word{{w, caps}}
}

// bareNegatives are contractions people type without the apostrophe.
var bareNegatives = map[string]bool{
	"dont": true, "doesnt": true, "didnt": true, "isnt": true, "arent": true, "wasnt": true,
	"werent": true, "havent": true, "hasnt": true, "couldnt": true, "wouldnt": true, "shouldnt": true,
}

// isCaps reports a shouted word: two or more letters, none lower case.
func isCaps(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			letters++
		}
	}
	return letters >= 2
}

// words splits a configured English phrase the way tokens does.
func words(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) }) {
		for _, w := range expand(f) {
			out = append(out, w.text)
		}
	}
	return out
}

// isWordRune: letters of alphabetic scripts, digits and the apostrophe of
// contractions; Han characters are matched separately.
func isWordRune(r rune) bool {
	if r == '\'' {
		return true
	}
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && !unicode.Is(unicode.Han, r)
}

func isClauseBreak(r rune) bool {
	return strings.ContainsRune(",.;?\n，。；？、…", r)
}

// foldWidth turns full-width ASCII ("ＳＬＯＷ", "！") into half-width and
// curly apostrophes into straight ones.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == '\u2019' || r == '\u2018':
			return '\''
		}
		return r
	}, s)
}
