// Package sentiment scores the mood of a support message, Chinese or
// English, from hand-written lexicons: each term has a weight, negators
// flip a term close after them, intensifiers and "!!!" and ALL CAPS scale
// it, and the clause after "but"/"但是" counts more than the one before.
// It is pure and deterministic, so a rule that triggers on sentiment
// decides the same in the rules evaluator as in the service.
package sentiment

import (
	"bufio"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

//go:embed lexicon/*.tsv
var lexiconFS embed.FS

// Scorer scores one text.
type Scorer interface {
	Score(text string) Result
}

// Result is the score of one text.
type Result struct {
	// Score runs from -1 (very negative) to +1 (very positive).
	Score float64
	// Negative is Score <= the threshold the scorer was built with.
	Negative bool
	// Hits are the lexicon terms found, in text order.
	Hits []Hit
}

// Hit is one lexicon term found in the text. Its contribution to the sum
// is Weight × Intensity, flipped and damped when Negated.
type Hit struct {
	Term   string
	Weight float64
	// Negated: an odd number of negators stood just before the term.
	Negated bool
	// Intensity is the product of every scaling applied: intensifiers,
	// ALL CAPS, exclamation marks and the but-clause factor.
	Intensity float64
}

// Options configure a Lexicon. The zero value is usable.
type Options struct {
	// Threshold: a score at or below it is Negative. Zero means the
	// default, -0.3.
	Threshold float64
	// Extra terms and weights (about -1 … +1) added to, or overriding,
	// the built-in lexicons. A term with a Han character joins the
	// Chinese lexicon, any other the English one; English phrases are
	// words separated by spaces.
	Extra map[string]float64
}

// DefaultThreshold is the Negative cut-off when Options leave it zero.
const DefaultThreshold = -0.3

type kind uint8

const (
	kindTerm kind = 1 << iota
	kindNegator
	kindIntensifier
	kindContrast // "but": the clause after it weighs more
)

// entry is what a lexicon knows about one term; a term can be both a
// sentiment word and an intensifier (好 in 好慢 / 好), see Score.
type entry struct {
	kind   kind
	weight float64 // sentiment weight for kindTerm
	boost  float64 // multiplier for kindIntensifier
}

// Lexicon is a Scorer built from the embedded lexicons plus Options.Extra.
// It is immutable after NewLexicon and safe for concurrent use.
type Lexicon struct {
	threshold float64
	en        map[string]entry // single words and space-joined phrases
	enMax     int              // longest English phrase, in words
	zh        map[string]entry
	zhMax     int // longest Chinese entry, in runes
	sym       map[string]entry
	symMax    int // longest emoticon, in runes
}

// NewLexicon builds a Lexicon. The embedded files are part of the binary
// and checked by the tests, so a parse failure there is a build defect.
func NewLexicon(opts Options) *Lexicon {
	l := &Lexicon{threshold: opts.Threshold, en: map[string]entry{}, zh: map[string]entry{}, sym: map[string]entry{}}
	if l.threshold == 0 {
		l.threshold = DefaultThreshold
	}
	for _, name := range []string{"lexicon/en.tsv", "lexicon/zh.tsv", "lexicon/emoticons.tsv", "lexicon/modifiers.tsv"} {
		entries, err := parseFile(name)
		if err != nil {
			// Unreachable with the shipped files (TestEmbeddedLexicons);
			// an empty lexicon is the safe fallback, not a panic.
			continue
		}
		for term, e := range entries {
			l.add(term, e)
		}
	}
	for term, w := range opts.Extra {
		term = strings.ToLower(strings.TrimSpace(term))
		if term == "" {
			continue
		}
		// add merges kinds, so set the entry directly: weight 0 makes a
		// built-in term neutral.
		e := l.lookup(term)
		e.kind &^= kindTerm
		if w != 0 {
			e.kind |= kindTerm
		}
		e.weight = w
		l.put(term, e)
	}
	return l
}

func (l *Lexicon) table(term string) (map[string]entry, *int, int) {
	switch {
	case hasHan(term):
		return l.zh, &l.zhMax, len([]rune(term))
	case hasLetter(term):
		return l.en, &l.enMax, len(strings.Fields(term))
	default:
		return l.sym, &l.symMax, len([]rune(term))
	}
}

func (l *Lexicon) lookup(term string) entry {
	term = normTerm(term)
	m, _, _ := l.table(term)
	return m[term]
}

func (l *Lexicon) put(term string, e entry) {
	term = normTerm(term)
	m, maxLen, n := l.table(term)
	m[term] = e
	*maxLen = max(*maxLen, n)
}

// add merges e into what the lexicon already knows about term, so one
// term can be listed as a word in one file and a modifier in another.
func (l *Lexicon) add(term string, e entry) {
	term = normTerm(term)
	old := l.lookup(term)
	old.kind |= e.kind
	if e.kind&kindTerm != 0 {
		old.weight = e.weight
	}
	if e.kind&kindIntensifier != 0 {
		old.boost = e.boost
	}
	l.put(term, old)
}

// normTerm writes an English phrase the way the tokenizer will see it.
func normTerm(term string) string {
	if hasHan(term) || !hasLetter(term) {
		return term
	}
	return strings.Join(words(term), " ")
}

// parseFile reads one lexicon file. Lines are "term<TAB>weight" for
// sentiment terms (weight 0: a neutral compound), or "term<TAB>neg", "term<TAB>but", "term<TAB>int<TAB>boost"
// for modifiers; blank lines and lines starting with # are skipped.
func parseFile(name string) (map[string]entry, error) {
	f, err := lexiconFS.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open lexicon: %w", err)
	}
	defer f.Close()
	out := map[string]entry{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, term, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if _, dup := out[term]; dup {
			return nil, fmt.Errorf("%s:%d: duplicate term %q", name, n, term)
		}
		out[term] = e
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read lexicon: %w", err)
	}
	return out, nil
}

func parseLine(line string) (entry, string, error) {
	f := strings.Split(line, "\t")
	if len(f) < 2 || strings.TrimSpace(f[0]) == "" {
		return entry{}, "", fmt.Errorf("want term<TAB>value, got %q", line)
	}
	term := strings.ToLower(strings.TrimSpace(f[0]))
	switch f[1] {
	case "neg":
		return entry{kind: kindNegator}, term, nil
	case "but":
		return entry{kind: kindContrast}, term, nil
	case "int":
		if len(f) != 3 {
			return entry{}, "", fmt.Errorf("intensifier %q needs a boost", term)
		}
		b, err := strconv.ParseFloat(f[2], 64)
		if err != nil || b <= 0 {
			return entry{}, "", fmt.Errorf("bad boost %q", f[2])
		}
		return entry{kind: kindIntensifier, boost: b}, term, nil
	}
	w, err := strconv.ParseFloat(f[1], 64)
	if err != nil || w < -1 || w > 1 {
		return entry{}, "", fmt.Errorf("bad weight %q (want -1…1)", f[1])
	}
	if w == 0 {
		// A neutral compound: it exists so that longest match takes it
		// whole and its characters do not count on their own (好几, 出差).
		return entry{}, term, nil
	}
	return entry{kind: kindTerm, weight: w}, term, nil
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func hasLetter(s string) bool {
	for _, r := range s {
		if isWordRune(r) {
			return true
		}
	}
	return false
}
